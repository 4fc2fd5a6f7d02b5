"""A type change to another kind of type changes what old code reads and writes.

Problem: the running code writes values the new type rejects, or reads a
different Python type (int -> str, str -> int, datetime -> date ...).
Widenings within a kind (varchar(50) -> varchar(200), int -> bigint) are not
reported.

Safe alternative: expand/contract with a new column.

Flagged: ``op.alter_column("order", "ref", type_=sa.Integer(), existing_type=sa.String(20))``
"""

from __future__ import annotations

from alembic.operations import ops

from .. import fixes
from ..context import LintContext
from ..model import Severity
from ..registry import rule
from ._common import kind_change_of


@rule("RM208", "type-change-semantics", Severity.WARNING, on=(ops.AlterColumnOp,))
def check(op: ops.AlterColumnOp, ctx: LintContext) -> None:
    old = kind_change_of(op, ctx)
    if old is None:
        return
    ctx.report(
        f"{op.table_name}.{op.column_name} changes from {old!r} to {op.modify_type!r}: running "
        "code reads and writes the old kind of value. Use a new column (expand/contract).",
        fix=fixes.expand_contract(ctx.target.family, op.table_name, op.column_name, op.modify_type),
    )
