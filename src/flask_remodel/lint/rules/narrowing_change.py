"""A type change that narrows the column: values are cut, refused or lost.

Problem: a shorter varchar, text -> varchar(n), a smaller integer or a
smaller numeric precision/scale, or ENUM values removed. PostgreSQL rewrites
the table and fails on values that do not fit; MariaDB/MySQL fail in strict
mode and truncate silently without it; SQLite does not check lengths at all,
so the data keeps values the model no longer allows.

Safe alternative: check the data first (``SELECT max(length(col)) ...``), or
add a new column and migrate the values explicitly.

Not flagged on PostgreSQL: an enum "narrowed" to fewer values under the same
type name. The column keeps its type there (Alembic does not change an enum
type's values), so nothing is cut or refused; code that no longer knows a
value is RM209's concern.

Not flagged on SQLite when the new type makes no CHECK constraint and a later
``UPDATE`` of the same revision sets the column: SQLite neither cuts nor
refuses a value, and the revision itself rewrites the ones the model no
longer allows.

Flagged: ``op.alter_column("account", "name", type_=sa.String(20), existing_type=sa.String(50))``
"""

from __future__ import annotations

from typing import Any

from alembic.operations import ops

from .. import fixes
from ..context import LintContext
from ..model import Severity
from ..registry import rule
from ._common import native_enum
from ._common import rewrite_lock
from ._common import set_later
from ._common import type_change


def _same_pg_enum(old: Any, new: Any) -> bool:
    """Both are the same named PostgreSQL enum type, which the ALTER leaves as it is."""
    name = getattr(new, "name", None)
    return bool(name) and native_enum(old) and native_enum(new) and (
        getattr(old, "name", None) == name
    )


def _rewritten_on_sqlite(op: ops.AlterColumnOp, ctx: LintContext) -> bool:
    """SQLite keeps every value (it enforces neither lengths nor, without a CHECK, an
    enum's values), and this revision later sets the column itself."""
    checked = bool(getattr(op.modify_type, "create_constraint", False))
    return (ctx.target.family == "sqlite" and not checked
            and set_later(ctx, op.table_name, op.column_name))


@rule("RM305", "narrowing-change", Severity.ERROR, on=(ops.AlterColumnOp,))
def check(op: ops.AlterColumnOp, ctx: LintContext) -> None:
    if op.modify_type is None or ctx.created_here(op.table_name):
        return
    old, _ = ctx.existing(op)
    if type_change(old, op.modify_type, ctx.target) != "narrowing":
        return
    if ctx.target.family == "postgresql" and _same_pg_enum(old, op.modify_type):
        return
    if _rewritten_on_sqlite(op, ctx):
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
