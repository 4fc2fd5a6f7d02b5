"""A CONCURRENTLY statement inside the migration's transaction fails at deploy.

Problem: PostgreSQL refuses ``CREATE INDEX CONCURRENTLY``, ``DROP INDEX
CONCURRENTLY``, ``REINDEX CONCURRENTLY`` and ``DETACH PARTITION
CONCURRENTLY`` inside a transaction block, and Alembic runs each PostgreSQL
migration in one. It passes review and fails in production.

Safe alternative: put the statement in ``with op.get_context().autocommit_block():``.

Flagged: ``op.create_index("ix_a", "account", ["a"], postgresql_concurrently=True)``
outside an autocommit block.
"""

from __future__ import annotations

from typing import Any

from alembic.operations import ops

from .. import fixes
from ..context import LintContext
from ..model import Severity
from ..registry import rule
from ..sqltext import SqlStatement


def _concurrent(op: Any) -> bool:
    if isinstance(op, (ops.CreateIndexOp, ops.DropIndexOp)):
        return bool(op.kw.get("postgresql_concurrently"))
    if isinstance(op, SqlStatement) and op.kind in ("reindex", "detach_partition"):
        return bool(op.details.get("concurrently"))
    return False


@rule(
    "RM103",
    "concurrent-in-transaction",
    Severity.ERROR,
    dialects=("postgresql",),
    on=(ops.CreateIndexOp, ops.DropIndexOp, SqlStatement),
)
def check(op: Any, ctx: LintContext) -> None:
    assert ctx.current is not None
    if not _concurrent(op) or ctx.current.in_autocommit:
        return
    ctx.report(
        "CONCURRENTLY cannot run inside a transaction block, and Alembic runs this migration "
        "in one: it will fail at deploy. Wrap it in op.get_context().autocommit_block().",
        fix=fixes.autocommit(_in_autocommit(op, ctx)),
    )


def _in_autocommit(op: Any, ctx: LintContext) -> str:
    """The flagged operation as it should read inside the autocommit block."""
    assert ctx.current is not None
    if ctx.current.from_raw_sql or not isinstance(op, (ops.CreateIndexOp, ops.DropIndexOp)):
        return f"op.execute({ctx.current.sql or op.text!r})"
    # if_(not_)exists: the block commits as it goes, so a retry meets what already ran.
    if isinstance(op, ops.CreateIndexOp):
        kw = {**({"unique": True} if op.unique else {}), **op.kw, "if_not_exists": True}
        return fixes.call("op.create_index", str(op.index_name), op.table_name,
                          [str(c) for c in op.columns], **kw)
    return fixes.call("op.drop_index", str(op.index_name), table_name=op.table_name,
                      **{**op.kw, "if_exists": True})
