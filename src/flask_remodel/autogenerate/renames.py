"""Turn a drop plus an add that the user confirms into a rename.

Autogenerate sees a renamed column as one column gone and another new, and
writes a script that drops the old one with its values. Here each dropped
column is offered as a rename of each added column of a compatible type in
the same table, and each dropped table as a rename of a created table with
the same column names; only a confirmed pair becomes a rename.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.operations import ops

from .decisions import ColumnRename
from .decisions import Decisions
from .decisions import TableRename
from .operations import RenameColumnOp
from .operations import RenameTableOp

_FAMILIES: tuple[tuple[type[Any], str], ...] = (
    # MariaDB reflects Boolean as TINYINT: booleans and integers are one family.
    (sa.Boolean, "integer"),
    (sa.Integer, "integer"),
    (sa.Numeric, "numeric"),
    (sa.String, "string"),  # Text, Unicode and non-native Enum too
    (sa.Enum, "string"),
    (sa.DateTime, "datetime"),
    (sa.Date, "date"),
    (sa.Time, "time"),
    (sa.LargeBinary, "binary"),
    (sa.JSON, "json"),
)


def family(type_: Any) -> str:
    """Which values a type holds, coarsely: a rename may change the type within one."""
    for base, name in _FAMILIES:
        if isinstance(type_, base):
            return name
    return type(type_).__name__


def same_type(dialect: Any, old: Any, new: Any) -> bool:
    try:
        return bool(old.compile(dialect=dialect) == new.compile(dialect=dialect))
    except Exception:  # a type this dialect cannot write: let the rename carry it
        return False


def _rename_op(dialect: Any, table: str, schema: str | None, old: Any, new: Any) -> RenameColumnOp:
    kw: dict[str, Any] = {
        "schema": schema,
        "existing_type": old.type,
        "existing_nullable": old.nullable,
        "existing_server_default": old.server_default,
        "existing_comment": old.comment,
    }
    if not same_type(dialect, old.type, new.type):
        kw["modify_type"] = new.type
    if bool(old.nullable) != bool(new.nullable):
        kw["modify_nullable"] = new.nullable
    return RenameColumnOp(table, old.name, new.name, **kw)


def _column_renames(container: ops.ModifyTableOps, dialect: Any, decisions: Decisions) -> None:
    drops = [op for op in container.ops if isinstance(op, ops.DropColumnOp)]
    adds = [op for op in container.ops if isinstance(op, ops.AddColumnOp)]
    table = container.table_name
    for add in adds:
        new = add.column
        for drop in drops:
            old = drop.to_column()
            if family(old.type) != family(new.type):
                continue
            if not decisions.is_renamed_column(ColumnRename(table, old.name, new.name)):
                continue
            index = container.ops.index(drop)
            container.ops[index] = _rename_op(dialect, table, container.schema, old, new)
            container.ops.remove(add)
            drops.remove(drop)
            break


def _table_columns(table: sa.Table) -> set[str]:
    return {column.name for column in table.columns}


def _table_renames(upgrade: ops.UpgradeOps, decisions: Decisions) -> None:
    drops = [op for op in upgrade.ops if isinstance(op, ops.DropTableOp)]
    creates = [op for op in upgrade.ops if isinstance(op, ops.CreateTableOp)]
    for create in creates:
        new = create.to_table()
        for drop in drops:
            old = drop.to_table()
            if old.schema != new.schema or _table_columns(old) != _table_columns(new):
                continue
            if not decisions.is_renamed_table(TableRename(old.name, new.name)):
                continue
            upgrade.ops[upgrade.ops.index(create)] = RenameTableOp(
                old.name, new.name, schema=new.schema
            )
            upgrade.ops.remove(drop)
            drops.remove(drop)
            # Indexes of the new table arrive as their own operations: the
            # renamed table keeps those it had, so creating them again would fail.
            kept = {tuple(ix.columns.keys()) for ix in old.indexes}
            upgrade.ops[:] = [
                op for op in upgrade.ops
                if not (
                    isinstance(op, ops.CreateIndexOp) and op.table_name == new.name
                    and tuple(str(c) for c in op.columns) in kept
                )
            ]
            break


def apply_renames(upgrade: ops.UpgradeOps, dialect: Any, decisions: Decisions) -> None:
    """Replace confirmed drop/add pairs in *upgrade* by renames, in place."""
    _table_renames(upgrade, decisions)
    for container in upgrade.ops:
        if isinstance(container, ops.ModifyTableOps):
            _column_renames(container, dialect, decisions)
