"""Columns ordered so that PostgreSQL pads every row (opt-in).

Problem: a fixed-width column is aligned to its size (bigint and timestamp
to 8 bytes); a 1-, 2- or 4-byte column before it leaves padding in every
row.

Safe alternative: in ``create_table`` list 8-byte columns first, then 4-,
2- and 1-byte ones, then variable-length ones.

Flagged: ``op.create_table("t", sa.Column("flag", sa.Boolean()), sa.Column("n", sa.BigInteger()))``
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.operations import ops

from ..context import LintContext
from ..model import Severity
from ..registry import rule


def alignment(type_: Any) -> int | None:
    """Bytes of alignment of a fixed-width type; None for variable-length ones."""
    if isinstance(type_, (sa.BigInteger, sa.DateTime, sa.Float)):
        return 8
    if isinstance(type_, sa.SmallInteger):
        return 2
    if isinstance(type_, (sa.Integer, sa.Date)):
        return 4
    if isinstance(type_, sa.Boolean):
        return 1
    return None


@rule("RM608", "column-alignment", Severity.INFO, dialects=("postgresql",),
      on=(ops.CreateTableOp,), default_enabled=False)
def check(op: ops.CreateTableOp, ctx: LintContext) -> None:
    smallest: tuple[int, str] | None = None
    for column in op.columns:
        if not isinstance(column, sa.Column):
            continue
        size = alignment(column.type)
        if size is None:
            continue
        if smallest is not None and size > smallest[0]:
            ctx.report(
                f"{op.table_name}.{column.name} ({size}-byte aligned) follows {smallest[1]} "
                f"({smallest[0]}-byte): every row is padded. Order columns by alignment, "
                "largest first."
            )
            return
        if smallest is None or size < smallest[0]:
            smallest = (size, column.name)
