"""VACUUM FULL and CLUSTER rewrite the table under ACCESS EXCLUSIVE.

Problem: both copy the whole table while reads and writes wait.

Safe alternative: pg_repack, or ``REPACK (CONCURRENTLY)`` on PostgreSQL 19+.

Flagged: ``op.execute("VACUUM FULL account")``
"""

from __future__ import annotations

from ..context import LintContext
from ..model import Severity
from ..registry import rule
from ..sqltext import SqlStatement
from ._common import PG_ACCESS_EXCLUSIVE


@rule(
    "RM117",
    "rewrite-maintenance-command",
    Severity.WARNING,
    dialects=("postgresql",),
    on=(SqlStatement,),
)
def check(op: SqlStatement, ctx: LintContext) -> None:
    if op.kind != "rewrite_maintenance":
        return
    table = op.table or "the table"
    ctx.report(
        f"{op.text.split()[0].upper()} rewrites {table} under ACCESS EXCLUSIVE. Use pg_repack "
        "(or REPACK CONCURRENTLY on PostgreSQL 19+) outside migrations.",
        lock=PG_ACCESS_EXCLUSIVE.format(table=table),
        rewrites=True,
    )
