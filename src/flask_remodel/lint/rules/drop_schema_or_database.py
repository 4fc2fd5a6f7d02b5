"""Dropping a schema or database in a migration is irrecoverable.

Problem: everything in it is gone, on every environment the migration
reaches.

Safe alternative: do it by hand, after a backup, outside the migrations.

Flagged: ``op.execute("DROP SCHEMA reporting CASCADE")``
"""

from __future__ import annotations

from ..context import LintContext
from ..model import Severity
from ..registry import rule
from ..sqltext import SqlStatement


@rule("RM301", "drop-schema-or-database", Severity.ERROR, on=(SqlStatement,))
def check(op: SqlStatement, ctx: LintContext) -> None:
    if op.kind == "drop_schema":
        what = op.details.get("what", "schema").upper()
        ctx.report(
            f"DROP {what} {op.name} destroys everything in it, irrecoverably. Do it by hand "
            "after a backup, not in a migration.",
        )
