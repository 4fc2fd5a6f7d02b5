"""Renaming or removing an enum value breaks rows and code that use it.

Problem: existing rows and running code still use the old value; PostgreSQL
cannot drop an enum value at all.

Safe alternative: add the new value, write both, backfill, stop using the
old one.

Flagged::

    op.alter_column("t", "mood", type_=sa.Enum("ok", "sad"),
                    existing_type=sa.Enum("ok", "meh", "sad"))
"""

from __future__ import annotations

from typing import Any

from alembic.operations import ops

from ..context import LintContext
from ..model import Severity
from ..registry import rule
from ..sqltext import SqlStatement
from ._common import enum_values


@rule(
    "RM209",
    "enum-value-rename-or-remove",
    Severity.ERROR,
    dialects=("postgresql", "mysql"),
    on=(ops.AlterColumnOp, SqlStatement),
)
def check(op: Any, ctx: LintContext) -> None:
    if isinstance(op, SqlStatement):
        if op.kind == "enum_rename_value":
            ctx.report(f"Renaming a value of {op.name}: rows and running code use the old one.")
        return
    if op.modify_type is None:
        return
    old, _ = ctx.existing(op)
    removed = [v for v in enum_values(old) if v not in enum_values(op.modify_type)]
    if removed and enum_values(op.modify_type):
        ctx.report(
            f"{op.table_name}.{op.column_name} loses enum value(s) {', '.join(removed)}: rows "
            "and running code still use them. Add the new value, migrate, then stop using the old.",
        )
