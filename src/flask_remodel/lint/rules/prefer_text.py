"""``char(n)`` and length-limited varchar columns (opt-in, PostgreSQL).

Problem: ``char(n)`` pads values with spaces; a varchar length is a
constraint that is awkward to change (shrinking rewrites the table).

Safe alternative: ``sa.Text()`` with a CHECK on the length if one is needed
(the CHECK can be swapped NOT VALID + VALIDATE later).

Flagged: ``op.add_column("account", sa.Column("code", sa.CHAR(3)))``
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ..context import LintContext
from ..model import Severity
from ..registry import rule
from ._columns import COLUMN_OPS
from ._columns import declared_columns


@rule("RM603", "prefer-text", Severity.INFO, dialects=("postgresql",), on=COLUMN_OPS,
      default_enabled=False)
def check(op: Any, ctx: LintContext) -> None:
    for table, column in declared_columns(op):
        type_ = column.type
        if isinstance(type_, sa.CHAR) or (
            isinstance(type_, sa.String) and not isinstance(type_, (sa.Text, sa.Enum))
            and type_.length is not None
        ):
            ctx.report(f"{table}.{column.name} is {type_!r}; prefer sa.Text() with a CHECK.")
