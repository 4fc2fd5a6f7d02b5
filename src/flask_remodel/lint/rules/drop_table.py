"""Dropping a table breaks the instances still running the old code.

Problem: as for a column (RM201), for a whole table: old code queries it,
and the data is gone.

Safe alternative: stop using it in release N, drop it in a post-deploy
revision in release N+1, after a backup.

Flagged: ``op.drop_table("audit_log")``
"""

from __future__ import annotations

from alembic.operations import ops

from ..context import LintContext
from ..model import Severity
from ..registry import rule


@rule("RM202", "drop-table", Severity.ERROR, on=(ops.DropTableOp,))
def check(op: ops.DropTableOp, ctx: LintContext) -> None:
    if ctx.created_here(op.table_name):
        return
    ctx.report(
        f"Dropping table {op.table_name} breaks instances still using it, and its data is "
        "gone. Stop using it first; drop it in a later, post-deploy revision.",
    )
