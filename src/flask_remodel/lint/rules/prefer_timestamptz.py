"""Timestamps without time zone (opt-in, PostgreSQL).

Problem: ``timestamp`` drops the offset, so values from different zones
cannot be compared.

Safe alternative: ``sa.DateTime(timezone=True)``.

Flagged: ``op.add_column("event", sa.Column("at", sa.DateTime()))``
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ..context import LintContext
from ..model import Severity
from ..registry import rule
from ._columns import COLUMN_OPS
from ._columns import declared_columns


@rule("RM604", "prefer-timestamptz", Severity.INFO, dialects=("postgresql",), on=COLUMN_OPS,
      default_enabled=False)
def check(op: Any, ctx: LintContext) -> None:
    for table, column in declared_columns(op):
        if isinstance(column.type, sa.DateTime) and not column.type.timezone:
            ctx.report(f"{table}.{column.name} has no time zone; use sa.DateTime(timezone=True).")
