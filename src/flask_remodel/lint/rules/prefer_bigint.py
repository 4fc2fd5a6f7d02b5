"""A 32-bit (or 16-bit) primary key (opt-in).

Problem: integer keys run out at about 2.1 billion, and the later
int -> bigint change rewrites the table (RM108).

Safe alternative: ``sa.BigInteger`` keys from the start.

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


@rule("RM601", "prefer-bigint", Severity.INFO, dialects=("postgresql", "mysql"),
      on=COLUMN_OPS, default_enabled=False)
def check(op: Any, ctx: LintContext) -> None:
    for table, column in declared_columns(op):
        if column.primary_key and isinstance(column.type, sa.Integer) and not isinstance(
            column.type, sa.BigInteger
        ):
            ctx.report(
                f"Key {table}.{column.name} is {column.type!r}, which runs out long before "
                "sa.BigInteger() does, and changing it later rewrites the table (RM108). "
                "Use sa.BigInteger()."
            )
