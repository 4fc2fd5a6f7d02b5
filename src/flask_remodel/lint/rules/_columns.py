"""The columns an operation declares (``create_table`` or ``add_column``), for the hygiene rules."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.operations import ops


def declared_columns(op: Any) -> list[tuple[str, sa.Column[Any]]]:
    """(table, column) pairs declared by *op*."""
    if isinstance(op, ops.CreateTableOp):
        return [(op.table_name, c) for c in op.columns if isinstance(c, sa.Column)]
    if isinstance(op, ops.AddColumnOp):
        return [(op.table_name, op.column)]
    return []


COLUMN_OPS = (ops.CreateTableOp, ops.AddColumnOp)
