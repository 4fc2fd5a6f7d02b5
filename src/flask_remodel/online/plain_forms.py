"""Online forms written with Alembic's own operations, so Flask-Migrate can run them.

Where plain Alembic can express the same safety as one of our online
operations, autogenerate writes that instead (issue 17): a project whose
scripts hold only Alembic calls can go back to Flask-Migrate. On PostgreSQL
an index is built as::

    with op.get_context().autocommit_block():
        op.drop_index('ix', table_name='t', postgresql_concurrently=True, if_exists=True)
        op.create_index('ix', 't', ['c'], postgresql_concurrently=True, if_not_exists=True)

The DROP first is what ``create_index_online`` does too: an interrupted
concurrent build leaves an INVALID index of that name, which ``IF NOT EXISTS``
alone would keep for good. ``if_not_exists`` on the CREATE then changes
nothing at run time; it tells a reader (and the linter's RM501) that a rerun
is safe. An index dropped is ``DROP INDEX CONCURRENTLY IF EXISTS``.

The lock timeout the runner sets does not apply to these statements: it
recognises a concurrent build or drop by itself (see :mod:`.statements`).
"""

from __future__ import annotations

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.autogenerate.render import render_op
from alembic.operations import ops

from .operations import CreateIndexOnlineOp
from .operations import DropIndexOnlineOp


class AutocommitBlockOp(ops.MigrateOperation):
    """Operations written inside ``with op.get_context().autocommit_block():``.

    Only for writing a script: the block is Alembic's, so the written script
    runs the operations inside it with Alembic alone.
    """

    def __init__(self, operations: list[ops.MigrateOperation]) -> None:
        self.ops = operations


def _drop(name: str, table: str, schema: str | None) -> ops.DropIndexOp:
    return ops.DropIndexOp(
        name, table_name=table, schema=schema, if_exists=True, postgresql_concurrently=True
    )


def concurrent_index_build(op: CreateIndexOnlineOp) -> AutocommitBlockOp:
    """*op* (PostgreSQL) as a concurrent build that first drops an INVALID leftover."""
    create = ops.CreateIndexOp(
        op.index_name, op.table_name, op.columns, schema=op.schema, unique=op.unique,
        if_not_exists=True, postgresql_concurrently=True, **op.kw,
    )
    return AutocommitBlockOp([_drop(op.index_name, op.table_name, op.schema), create])


def concurrent_index_drop(op: DropIndexOnlineOp) -> AutocommitBlockOp:
    """*op* (PostgreSQL) as ``DROP INDEX CONCURRENTLY IF EXISTS``."""
    return AutocommitBlockOp([_drop(op.index_name, op.table_name, op.schema)])


@renderers.dispatch_for(AutocommitBlockOp)
def _render_block(context: AutogenContext, op: AutocommitBlockOp) -> list[str]:
    prefix = context.opts.get("alembic_module_prefix", "op.")
    lines = [f"with {prefix}get_context().autocommit_block():"]
    for inner in op.ops:
        lines.extend(render_op(context, inner))
    # Alembic's printer indents after a line ending in ':' and dedents at a blank one.
    lines.append("")
    return lines
