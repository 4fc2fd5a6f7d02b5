"""Adding a stored generated column rewrites the table.

Problem: ``GENERATED ALWAYS AS (...) STORED`` computes the value for every
existing row: a rewrite under ACCESS EXCLUSIVE on PostgreSQL and a COPY
ALTER on MariaDB/MySQL (measured). A VIRTUAL column on MariaDB/MySQL is
instant.

Safe alternative: on MariaDB/MySQL use ``sa.Computed(..., persisted=False)``;
on PostgreSQL add a plain nullable column, fill it from the code or a
trigger, and backfill in batches.

Flagged::

    op.add_column("t", sa.Column("total", sa.Integer(), sa.Computed("a + b", persisted=True)))
"""

from __future__ import annotations

from alembic.operations import ops

from .. import fixes
from ..context import LintContext
from ..model import Severity
from ..registry import rule
from ._common import rewrite_lock


def stored(op: ops.AddColumnOp, family: str) -> bool:
    generated = op.column.info.get("generated")
    if generated is not None:
        return bool(generated == "stored")
    computed = op.column.computed
    if computed is None:
        return False
    if computed.persisted is None:
        return family == "postgresql"  # PostgreSQL only has STORED
    return bool(computed.persisted)


@rule(
    "RM106",
    "add-generated-stored-column",
    Severity.WARNING,
    dialects=("postgresql", "mysql"),
    on=(ops.AddColumnOp,),
)
def check(op: ops.AddColumnOp, ctx: LintContext) -> None:
    if ctx.created_here(op.table_name) or not stored(op, ctx.target.family):
        return
    name = op.column.name
    if ctx.target.family == "mysql":
        expr = str(op.column.computed.sqltext) if op.column.computed is not None else "..."
        fix = (
            f"op.add_column({op.table_name!r}, sa.Column({name!r}, "
            f"{fixes.type_code(op.column.type)}, sa.Computed({expr!r}, persisted=False)))"
        )
    else:
        fix = (
            f"op.add_column({op.table_name!r}, sa.Column({name!r}, "
            f"{fixes.type_code(op.column.type)}, nullable=True))\n"
            "# fill it from the code (or a trigger), then backfill in batches"
        )
    ctx.report(
        f"Stored generated column {name} is computed for every existing row of "
        f"{op.table_name}: the table is rewritten while locked.",
        lock=rewrite_lock(ctx, op.table_name),
        rewrites=True,
        fix=fix,
    )
