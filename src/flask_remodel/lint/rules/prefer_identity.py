"""A serial key instead of an identity column (opt-in, PostgreSQL).

Problem: ``serial`` creates a separately owned sequence that complicates
permissions, dumps and copying tables.

Safe alternative: ``sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True)``.

Flagged: ``op.create_table("event", sa.Column("id", sa.Integer(), primary_key=True))``
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ..context import LintContext
from ..model import Severity
from ..registry import rule
from ._columns import COLUMN_OPS
from ._columns import declared_columns


@rule("RM602", "prefer-identity", Severity.INFO, dialects=("postgresql",), on=COLUMN_OPS,
      default_enabled=False)
def check(op: Any, ctx: LintContext) -> None:
    columns = declared_columns(op)
    keys = [c for _, c in columns if c.primary_key]
    for table, column in columns:
        if (column.primary_key and len(keys) == 1 and isinstance(column.type, sa.Integer)
                and column.identity is None and column.autoincrement in (True, "auto")
                and not column.foreign_keys):
            ctx.report(f"{table}.{column.name} becomes a serial column; use sa.Identity().")
