"""A type change that narrows the column: values are cut, refused or lost.

Problem: a shorter varchar, text -> varchar(n), a smaller integer or a
smaller numeric precision/scale, or ENUM values removed. PostgreSQL rewrites
the table and fails on values that do not fit; MariaDB/MySQL fail in strict
mode and truncate silently without it; SQLite does not check lengths at all,
so the data keeps values the model no longer allows.

Safe alternative: check the data first (``SELECT max(length(col)) ...``), or
add a new column and migrate the values explicitly.

Flagged: ``op.alter_column("account", "name", type_=sa.String(20), existing_type=sa.String(50))``
"""

from __future__ import annotations

from alembic.operations import ops

from .. import fixes
from ..context import LintContext
from ..model import Severity
from ..registry import rule
from ._common import rewrite_lock
from ._common import type_change


@rule("RM305", "narrowing-change", Severity.ERROR, on=(ops.AlterColumnOp,))
def check(op: ops.AlterColumnOp, ctx: LintContext) -> None:
    if op.modify_type is None or ctx.created_here(op.table_name):
        return
    old, _ = ctx.existing(op)
    if type_change(old, op.modify_type, ctx.target) != "narrowing":
        return
    table, column = op.table_name, op.column_name
    ctx.report(
        f"{table}.{column} narrows from {old!r} to {op.modify_type!r}: existing values may be "
        "cut or refused. Check the data first, or migrate into a new column.",
        lock=rewrite_lock(ctx, table),
        rewrites=True,
        fix=f"# check first: SELECT count(*) FROM {table} WHERE <value of {column} does not fit>\n"
        + fixes.expand_contract(ctx.target.family, table, column, op.modify_type),
    )
