"""What the two timeout rules share: the first lock-taking operation not preceded by a SET."""

from __future__ import annotations

from alembic.operations import ops

from ..context import LintContext
from ..context import table_of
from ..model import RecordedOp
from ..sqltext import SqlStatement


def first_unprotected(ctx: LintContext, settings: tuple[str, ...]) -> RecordedOp | None:
    for recorded in ctx.ops:
        op = recorded.operation
        if isinstance(op, SqlStatement) and op.kind == "set" and op.name in settings:
            return None
        if isinstance(op, (ops.CreateTableOp, ops.ExecuteSQLOp, ops.BulkInsertOp)):
            continue
        if isinstance(op, SqlStatement) and op.kind not in (
            "truncate", "rewrite_maintenance", "validate_constraint", "add_exclusion",
            "detach_partition", "alter_table_other", "set_default", "reindex",
        ):
            continue
        table = table_of(op)
        if table is not None and ctx.created_here(table):
            continue
        return recorded
    return None
