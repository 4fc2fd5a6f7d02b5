"""A type change to another kind of type can fail on some rows.

Problem: a cast such as text -> integer or varchar -> date fails on the first
value that does not convert, which development data may never contain.

Safe alternative: give the conversion explicitly with
``postgresql_using="..."`` and look for values that will not convert first.

Flagged: ``op.alter_column("orders", "ref", type_=sa.Integer(), existing_type=sa.String(20))``
"""

from __future__ import annotations

from alembic.operations import ops

from ..context import LintContext
from ..model import Severity
from ..registry import rule
from ._common import kind_change_of


@rule("RM403", "type-cast-on-existing-data", Severity.WARNING, on=(ops.AlterColumnOp,))
def check(op: ops.AlterColumnOp, ctx: LintContext) -> None:
    old = kind_change_of(op, ctx)
    if old is None:
        return
    table, column = op.table_name, op.column_name
    using = op.kw.get("postgresql_using")
    how = f" with USING {using}" if using else ""
    ctx.report(
        f"Casting {table}.{column} from {old!r} to {op.modify_type!r}{how} fails on the first "
        "row that does not convert. Find those rows first.",
        fix=f"# check: SELECT {column} FROM {table} WHERE <{column} does not convert> LIMIT 10",
    )
