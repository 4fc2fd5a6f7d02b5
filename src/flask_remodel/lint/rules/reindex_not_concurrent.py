"""REINDEX without CONCURRENTLY blocks writes (and queries that use the index).

Problem: ``REINDEX`` takes SHARE on the table and ACCESS EXCLUSIVE on each
index it rebuilds.

Safe alternative (PostgreSQL 12+)::

    with op.get_context().autocommit_block():
        op.execute("REINDEX INDEX CONCURRENTLY ix_account_email")

Flagged: ``op.execute("REINDEX INDEX ix_account_email")``
"""

from __future__ import annotations

from .. import fixes
from ..context import LintContext
from ..model import Severity
from ..registry import rule
from ..sqltext import SqlStatement


@rule(
    "RM104",
    "reindex-not-concurrent",
    Severity.WARNING,
    dialects=("postgresql",),
    on=(SqlStatement,),
)
def check(op: SqlStatement, ctx: LintContext) -> None:
    if op.kind != "reindex" or op.details.get("concurrently"):
        return
    what = op.details.get("what", "index").upper()
    ctx.report(
        f"REINDEX {what} {op.name} blocks writes to the table and queries that use the "
        "index while it rebuilds. Use REINDEX ... CONCURRENTLY in an autocommit block.",
        lock=f"SHARE on the table, ACCESS EXCLUSIVE on the index {op.name}",
        rewrites=False,
        fix=fixes.autocommit(f'op.execute("REINDEX {what} CONCURRENTLY {op.name}")'),
    )
