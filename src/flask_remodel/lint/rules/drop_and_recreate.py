"""A column dropped and another added on the same table: probably a rename or a type change.

Problem: autogenerate writes a rename as ``drop_column`` + ``add_column``, and
a type change the same way when told to; the column's data is lost.

Safe alternative: ``op.alter_column(table, old, new_column_name=new)`` (and
see RM203 for doing the rename without breaking running code), or
``op.alter_column(table, col, type_=...)`` for a type change.

Flagged: ``op.drop_column("account", "email")`` and
``op.add_column("account", sa.Column("email_address", sa.String(50)))`` in one revision.
"""

from __future__ import annotations

from alembic.operations import ops

from .. import fixes
from ..context import LintContext
from ..model import RecordedOp
from ..model import Severity
from ..registry import rule


@rule("RM303", "drop-and-recreate", Severity.ERROR, on="revision")
def check(ctx: LintContext) -> None:
    # Pair each drop of a column that existed before the revision with a later
    # add on the same table (a column added then dropped again is scratch work).
    drops: dict[str, list[RecordedOp]] = {}
    added: set[tuple[str, str]] = set()
    for recorded in ctx.ops:
        op = recorded.operation
        if isinstance(op, ops.DropColumnOp) and (op.table_name, op.column_name) not in added:
            if not ctx.created_here(op.table_name):
                drops.setdefault(op.table_name, []).append(recorded)
            continue
        if isinstance(op, ops.AddColumnOp):
            added.add((op.table_name, op.column.name))
        if not isinstance(op, ops.AddColumnOp) or not drops.get(op.table_name):
            continue
        dropped = drops[op.table_name][0]
        old = dropped.operation.column_name
        new = op.column.name
        if old == new:
            message = (
                f"{op.table_name}.{old} is dropped and added again: its data is lost. "
                "Change the type with alter_column instead."
            )
            # (The schema here is the one after the revision: the old type is gone.)
            fix = fixes.alter_column(ctx.target.family, op.table_name, old, None,
                                     type_=fixes.Code(fixes.type_code(op.column.type)))
            if ctx.target.family == "mysql":
                fix += "  # and existing_type=<its type now>: MariaDB/MySQL need it"
        else:
            message = (
                f"{op.table_name}.{old} is dropped and {new} added in the same revision: "
                "if this is a rename, the data is lost. Rename with alter_column."
            )
            # A rename keeps the type: the one the added column declares.
            fix = fixes.alter_column(ctx.target.family, op.table_name, old, op.column.type,
                                     new_column_name=new)
        ctx.report(message, at=dropped, fix=fix)
        drops[op.table_name].pop(0)
