"""Data-loss notes in the script, and the one-line-per-operation summary.

Both are worked out for each direction after the downgrade has been derived
from the upgrade, since a change that widens on the way up narrows on the
way down.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from alembic.operations import ops

from .narrowing import narrowing
from .operations import AddEnumValuesOp
from .operations import CreateEnumTypeOp
from .operations import DropEnumTypeOp
from .operations import FillNullsOp
from .operations import NoteOp
from .operations import NothingOp
from .operations import RecreateEnumOp
from .operations import RenameColumnOp
from .operations import RenameTableOp
from .operations import ReplacePrimaryKeyOp


def data_loss(op: Any, table: str | None = None) -> str | None:
    """Why *op* can lose stored values, or ``None``."""
    if isinstance(op, ops.DropTableOp):
        return f"drops table {op.table_name} and every row in it"
    if isinstance(op, ops.DropColumnOp):
        return f"drops column {table}.{op.column_name} and its values"
    if isinstance(op, ops.AlterColumnOp) and op.modify_type is not None:
        reason = narrowing(op.existing_type, op.modify_type)
        if reason:
            return f"{table}.{op.column_name}: {reason}"
    if isinstance(op, RecreateEnumOp) and op.removed:
        return (
            f"enum {op.name} loses values {', '.join(op.removed)}; rows holding them make "
            "the conversion fail"
        )
    return None


def annotate(container: ops.OpContainer) -> list[str]:
    """Put a ``# DATA LOSS:`` note before each operation that can lose data; return them."""
    warnings: list[str] = []
    placed: list[Any] = []
    for op in container.ops:
        if isinstance(op, NothingOp):
            continue
        if isinstance(op, ops.ModifyTableOps):
            inner: list[Any] = []
            for each in op.ops:
                reason = data_loss(each, op.table_name)
                if reason:
                    inner.append(NoteOp(f"DATA LOSS: {reason}", data_loss=True))
                    warnings.append(reason)
                inner.append(each)
            op.ops[:] = inner
        else:
            reason = data_loss(op)
            if reason:
                placed.append(NoteOp(f"DATA LOSS: {reason}", data_loss=True))
                warnings.append(reason)
        placed.append(op)
    container.ops[:] = placed
    return warnings


def _column_change(op: ops.AlterColumnOp, table: str) -> str:
    parts = []
    if isinstance(op, RenameColumnOp):
        parts.append(f"rename column {table}.{op.column_name} to {op.new_name}")
    else:
        parts.append(f"alter column {table}.{op.column_name}:")
    if op.modify_type is not None:
        parts.append(f"type {_text(op.existing_type)} -> {_text(op.modify_type)}")
    if op.modify_nullable is not None:
        parts.append("NOT NULL" if op.modify_nullable is False else "allow NULL")
    if op.modify_server_default is not False:
        parts.append("server default changed")
    if op.modify_comment is not False:
        parts.append("comment changed")
    return " ".join(parts).replace(": ", ": ", 1)


def _text(type_: Any) -> str:
    try:
        return str(type_.compile())
    except Exception:
        return type(type_).__name__


def _describe(op: Any, table: str | None) -> str | None:
    simple = {
        ops.AddColumnOp: lambda o: f"add column {table}.{o.column.name}"
        + ("" if o.column.nullable else " NOT NULL"),
        ops.DropColumnOp: lambda o: f"drop column {table}.{o.column_name}",
        ops.CreateTableOp: lambda o: f"create table {o.table_name}",
        ops.DropTableOp: lambda o: f"drop table {o.table_name}",
        RenameTableOp: lambda o: f"rename table {o.table_name} to {o.new_table_name}",
        ops.CreateIndexOp: lambda o: f"create index {o.index_name} on {o.table_name}",
        ops.DropIndexOp: lambda o: f"drop index {o.index_name}",
        ops.CreateUniqueConstraintOp: lambda o: f"add unique {o.constraint_name} on {o.table_name}",
        ops.CreateForeignKeyOp: lambda o: (
            f"add foreign key {o.constraint_name} on {o.source_table}"
        ),
        ops.CreateCheckConstraintOp: lambda o: f"add check {o.constraint_name} on {o.table_name}",
        ops.CreatePrimaryKeyOp: lambda o: f"set primary key of {o.table_name}",
        ops.DropConstraintOp: lambda o: f"drop constraint {o.constraint_name} on {o.table_name}",
        FillNullsOp: lambda o: f"fill {o.table_name}.{o.column_name} = {o.value!r} where empty",
        CreateEnumTypeOp: lambda o: f"create enum type {o.name}",
        DropEnumTypeOp: lambda o: f"drop enum type {o.name}",
        ReplacePrimaryKeyOp: lambda o: (
            f"move primary key of {o.table_name} from {', '.join(o.old_columns)} "
            f"to {', '.join(o.new_columns)}"
        ),
        RecreateEnumOp: lambda o: f"change enum {o.name} values to {', '.join(o.new_values)}",
        AddEnumValuesOp: lambda o: f"add enum {o.name} values {', '.join(o.added)}",
    }
    if isinstance(op, ops.AlterColumnOp):
        return _column_change(op, table or op.table_name)
    if isinstance(op, (NoteOp, NothingOp)):
        return None
    for cls in type(op).__mro__:
        describe = simple.get(cls)
        if describe is not None:
            return str(describe(op))
    return f"{type(op).__name__} on {getattr(op, 'table_name', '?')}"


def _flat(container: ops.OpContainer) -> Iterator[tuple[Any, str | None]]:
    for op in container.ops:
        if isinstance(op, ops.ModifyTableOps):
            for inner in op.ops:
                yield inner, op.table_name
        else:
            yield op, None


def describe(container: ops.OpContainer) -> list[str]:
    """One line per operation, in the order the script runs them."""
    lines = [_describe(op, table) for op, table in _flat(container)]
    return [line for line in lines if line]
