"""A ``json`` column on PostgreSQL has no equality operator.

Problem: adding one to an existing table makes existing ``SELECT DISTINCT``
and ``GROUP BY`` over all columns of the table fail.

Safe alternative: ``postgresql.JSONB``.

Flagged: ``op.add_column("event", sa.Column("payload", sa.JSON()))``
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic.operations import ops
from sqlalchemy.dialects import postgresql

from ..context import LintContext
from ..model import Severity
from ..registry import rule


@rule(
    "RM211", "json-without-equality", Severity.INFO, dialects=("postgresql",), on=(ops.AddColumnOp,)
)
def check(op: ops.AddColumnOp, ctx: LintContext) -> None:
    type_ = op.column.type
    if not isinstance(type_, sa.JSON) or isinstance(type_, postgresql.JSONB):
        return
    if ctx.created_here(op.table_name):
        return
    ctx.report(
        f"{op.table_name}.{op.column.name} is json, which has no equality operator: DISTINCT "
        "and GROUP BY over the table's rows start failing. Use JSONB.",
        fix=f"op.add_column({op.table_name!r}, sa.Column({op.column.name!r}, postgresql.JSONB()))",
    )
