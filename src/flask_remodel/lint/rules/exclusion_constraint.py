"""Adding an exclusion constraint scans the table under ACCESS EXCLUSIVE.

Problem: an EXCLUDE constraint cannot be added NOT VALID, so PostgreSQL
builds its index and checks every row while reads and writes wait.

Safe alternative: none online; schedule a maintenance window, or build a new
table with the constraint and copy.

Flagged::

    op.execute("ALTER TABLE booking ADD CONSTRAINT no_overlap "
               "EXCLUDE USING gist (room WITH =, during WITH &&)")
"""

from __future__ import annotations

from typing import Any

from ..context import LintContext
from ..model import Severity
from ..registry import rule
from ..sqltext import SqlStatement
from ._common import PG_ACCESS_EXCLUSIVE

try:  # Alembic's PostgreSQL op for op.create_exclude_constraint
    from alembic.ddl.postgresql import CreateExcludeConstraintOp
except ImportError:  # pragma: no cover
    CreateExcludeConstraintOp = SqlStatement  # type: ignore[misc,assignment]


@rule(
    "RM115",
    "exclusion-constraint",
    Severity.WARNING,
    dialects=("postgresql",),
    on=(SqlStatement, CreateExcludeConstraintOp),
)
def check(op: Any, ctx: LintContext) -> None:
    if isinstance(op, SqlStatement) and op.kind != "add_exclusion":
        return
    table = getattr(op, "table", None) or getattr(op, "table_name", None)
    if ctx.created_here(table):
        return
    ctx.report(
        f"Exclusion constraint on {table} cannot be added NOT VALID: its index is built and "
        "every row checked while reads and writes wait. Schedule it, or build a new table.",
        lock=PG_ACCESS_EXCLUSIVE.format(table=table),
        rewrites=False,
    )
