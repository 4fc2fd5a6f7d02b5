"""Dropping an index without CONCURRENTLY blocks reads and writes.

Problem: on PostgreSQL ``DROP INDEX`` takes ACCESS EXCLUSIVE on the table and
queues behind every running query, and everything after it queues behind it.

Safe alternative::

    with op.get_context().autocommit_block():
        op.drop_index("ix_account_email", table_name="account",
                      postgresql_concurrently=True, if_exists=True)

Flagged: ``op.drop_index("ix_account_email", table_name="account")``
"""

from __future__ import annotations

from alembic.operations import ops

from .. import fixes
from ..context import LintContext
from ..model import Severity
from ..registry import rule
from ._common import PG_ACCESS_EXCLUSIVE


@rule(
    "RM102",
    "drop-index-not-concurrent",
    Severity.WARNING,
    dialects=("postgresql",),
    on=(ops.DropIndexOp,),
)
def check(op: ops.DropIndexOp, ctx: LintContext) -> None:
    if op.kw.get("postgresql_concurrently"):
        return
    table = op.table_name or (ctx.schema.indexes.get(str(op.index_name), ("?",))[0])
    if ctx.created_here(table):
        return
    ctx.report(
        f"DROP INDEX {op.index_name} takes ACCESS EXCLUSIVE on {table}: reads and writes "
        "wait, and it queues behind running queries. Drop it CONCURRENTLY.",
        lock=PG_ACCESS_EXCLUSIVE.format(table=table),
        rewrites=False,
        fix=fixes.autocommit(
            fixes.call(
                "op.drop_index",
                str(op.index_name),
                table_name=table,
                postgresql_concurrently=True,
                if_exists=True,
            )
        ),
    )
