"""PostgreSQL native enum types: compared, created and dropped in the right place.

Alembic compares no native enum on PostgreSQL, creates a type only as part of
``create_table`` and never drops one. So:

* :func:`compare_enums` (an autogenerate comparator) reports a type that only
  gained values as an :class:`AddEnumValuesOp` (``ALTER TYPE ... ADD VALUE``,
  no table rewritten), and one whose values otherwise differ from the
  models' as a :class:`RecreateEnumOp`;
* :func:`place_enum_types` puts a ``CREATE TYPE`` before a column that needs
  a missing type and a ``DROP TYPE`` after the last column using it is gone,
  in each direction separately;
* :func:`rename_enum_values` asks whether a dropped value plus an added one
  is a rename, so rows keep their (renamed) value.

MariaDB's ``ENUM`` is a column type Alembic compares itself, and non-native
enums are strings, compared as such.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from alembic.operations import ops
from sqlalchemy import inspect

from .._alembic import copied_column
from .decisions import ColumnRename
from .decisions import Decisions
from .operations import AddEnumValuesOp
from .operations import CreateEnumTypeOp
from .operations import DropEnumTypeOp
from .operations import EnumColumn
from .operations import RecreateEnumOp
from .registration import Comparator


def native_enum(type_: Any) -> tuple[str, tuple[str, ...]] | None:
    """(name, values) of a PostgreSQL native enum type, else ``None``."""
    if isinstance(type_, sa.Enum) and type_.native_enum and type_.name:
        return type_.name, tuple(type_.enums)
    return None


def _metadata_tables(metadata: Any) -> Iterator[sa.Table]:
    for each in metadata if isinstance(metadata, (list, tuple)) else [metadata]:
        if each is not None:
            yield from each.tables.values()


def enums_in_tables(tables: Iterable[sa.Table]) -> dict[str, tuple[str, ...]]:
    found: dict[str, tuple[str, ...]] = {}
    for table in tables:
        for column in table.columns:
            enum = native_enum(column.type)
            if enum is not None:
                found[enum[0]] = enum[1]
    return found


def enums_in_database(connection: Any) -> set[str]:
    """Names of every enum type of the database's default schema."""
    return {e["name"] for e in inspect(connection).get_enums()}


def enums_used_in_database(connection: Any) -> set[str]:
    """Names of enum types some table column of the database uses."""
    query = sa.text(
        "SELECT DISTINCT t.typname FROM pg_attribute a "
        "JOIN pg_type t ON a.atttypid = t.oid "
        "JOIN pg_class c ON a.attrelid = c.oid "
        "WHERE t.typtype = 'e' AND c.relkind = 'r' AND NOT a.attisdropped"
    )
    return {row[0] for row in connection.execute(query)}


EnumKey = tuple[str | None, str]
"""(schema or ``None`` for the default one, name) of an enum type."""


def _enum_schema(type_: Any) -> str | None:
    return getattr(type_, "schema", None) or None


def _wanted_enums(metadata: Any) -> dict[EnumKey, tuple[str, ...]]:
    """(schema, name) -> values of every native enum type the models use."""
    found: dict[EnumKey, tuple[str, ...]] = {}
    for table in _metadata_tables(metadata):
        for column in table.columns:
            enum = native_enum(column.type)
            if enum is not None:
                found[(_enum_schema(column.type), enum[0])] = enum[1]
    return found


def only_gained(old: tuple[str, ...], new: tuple[str, ...]) -> bool:
    """Whether *new* is *old* with values added: every old value kept, in its order.

    Such a change is ``ALTER TYPE ... ADD VALUE`` in place; anything else
    (a value removed or renamed, old values in another order) is a type swap.
    """
    return len(new) > len(old) and [v for v in new if v in old] == list(old)


def _columns_using(
    metadata: Any, schema: str | None, name: str, existing: set[EnumKey]
) -> tuple[EnumColumn, ...]:
    """The columns of existing tables (in the default schema or the type's) typed *name*."""
    return tuple(
        (table.schema, table.name, column.name)
        for table in _metadata_tables(metadata)
        if (table.schema, table.name) in existing and table.schema in (None, schema)
        for column in table.columns
        if (native_enum(column.type) or ("",))[0] == name
        and _enum_schema(column.type) == schema
    )


def _reflected(
    inspector: Any, schemas: set[str | None]
) -> tuple[dict[EnumKey, tuple[str, ...]], set[EnumKey]]:
    """The enum types and the tables of *schemas*, each as (schema, name)."""
    enums: dict[EnumKey, tuple[str, ...]] = {}
    tables: set[EnumKey] = set()
    for schema in schemas:
        enums |= {(schema, e["name"]): tuple(e["labels"])
                  for e in inspector.get_enums(schema=schema)}
        tables |= {(schema, name) for name in inspector.get_table_names(schema=schema)}
    return enums, tables


def compare_enums(autogen_context: Any, upgrade_ops: ops.UpgradeOps, schemas: Any) -> None:
    """Comparator: enum types whose values differ between the database and the models."""
    metadata = autogen_context.metadata
    wanted = _wanted_enums(metadata)
    reflected, existing = _reflected(
        inspect(autogen_context.connection), {None, *(schema for schema, _ in wanted)}
    )
    for (schema, name), values in sorted(wanted.items(), key=lambda item: str(item[0])):
        old = reflected.get((schema, name))
        # Only the set of values counts: ALTER TYPE ... ADD VALUE without a
        # position appends, so a type grown that way by hand lists its values
        # in another order than the model,
        # and rebuilding the type for the order alone would rewrite every table
        # that uses it (Flask-Migrate, which ignores enums, reports nothing).
        if old is None or set(old) == set(values):
            continue
        columns = _columns_using(metadata, schema, name, existing)
        if only_gained(old, values):
            upgrade_ops.ops.append(AddEnumValuesOp(name, old, values, columns, schema))
        elif schema is None:  # a type swap is written for the default schema only
            upgrade_ops.ops.append(RecreateEnumOp(name, old, values, columns))


#: The plugin ``flask_remodel.enums``, registered by :mod:`.plugin`.
COMPARATORS = (Comparator(compare_enums, "schema", "enums", dialects=("postgresql",)),)


def rename_enum_values(upgrade: ops.UpgradeOps, decisions: Decisions) -> None:
    """Offer each dropped value as a rename of each added one (``--rename TYPE.OLD=NEW``)."""
    for op in upgrade.ops:
        if not isinstance(op, RecreateEnumOp):
            continue
        added = [v for v in op.new_values if v not in op.old_values]
        for old in [v for v in op.old_values if v not in op.new_values]:
            for new in added:
                if decisions.is_renamed_column(ColumnRename(op.name, old, new)):
                    op.renamed[old] = new
                    added.remove(new)
                    break


def _added_enums(op: Any) -> Iterator[tuple[str, tuple[str, ...]]]:
    if isinstance(op, ops.ModifyTableOps):
        for inner in op.ops:
            if isinstance(inner, ops.AddColumnOp):
                enum = native_enum(inner.column.type)
                if enum is not None:
                    yield enum


def _dropped_enums(op: Any) -> Iterator[tuple[str, tuple[str, ...]]]:
    if isinstance(op, ops.DropTableOp):
        table = op.to_table()
        yield from enums_in_tables([table]).items()
    elif isinstance(op, ops.ModifyTableOps):
        for inner in op.ops:
            if isinstance(inner, ops.DropColumnOp):
                enum = native_enum(inner.to_column().type)
                if enum is not None:
                    yield enum


def _existing_type(column: Any, values: tuple[str, ...], name: str) -> Any:
    """*column* typed with the enum already in the database: created by nobody."""
    from sqlalchemy.dialects import postgresql

    copy = copied_column(column)
    copy.type = postgresql.ENUM(*values, name=name, create_type=False)
    return copy


def render_item_with_existing_enums(user_hook: Any = None) -> Any:
    """A ``render_item`` hook that writes ``create_type=False`` on reused enum types.

    SQLAlchemy 1.4's ``ENUM.__repr__`` leaves the flag out, so the script
    would create the type again. Anything else goes to the app's own hook.
    """
    from sqlalchemy.dialects import postgresql

    def render(type_: str, obj: Any, autogen_context: Any) -> Any:
        if type_ == "type" and isinstance(obj, postgresql.ENUM) and not obj.create_type:
            autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
            values = ", ".join(repr(v) for v in obj.enums)
            return f"postgresql.ENUM({values}, name={obj.name!r}, create_type=False)"
        return user_hook(type_, obj, autogen_context) if user_hook is not None else False

    return render


def _reuse_existing_types(op: ops.CreateTableOp, existing: set[str]) -> set[str]:
    """Make *op* use enum types that exist; return the ones it creates itself."""
    creates: set[str] = set()
    items = list(op.columns)
    for position, item in enumerate(items):
        enum = native_enum(getattr(item, "type", None))
        if not isinstance(item, sa.Column) or enum is None:
            continue
        if enum[0] in existing:
            items[position] = _existing_type(item, enum[1], enum[0])
        else:
            creates.add(enum[0])
    op.columns = items
    return creates


def place_enum_types(
    container: ops.OpContainer, used_after: set[str], existing: set[str]
) -> set[str]:
    """Add CREATE TYPE before and DROP TYPE after the operations needing them.

    :param used_after: enum names still used by some table once this list of
        operations has run (the models for an upgrade, the database as it is
        now for a downgrade); a type in it is never dropped.
    :param existing: enum types in the database when the list starts; a new
        table using one of them must not create it again.
    :return: the enum types in the database once the list has run.
    """
    placed: list[Any] = []
    existing = set(existing)
    for op in container.ops:
        if isinstance(op, ops.CreateTableOp):
            existing |= _reuse_existing_types(op, existing)
        for name, values in _added_enums(op):
            if name not in existing:
                placed.append(CreateEnumTypeOp(name, values))
                existing.add(name)
        placed.append(op)
        for name, values in _dropped_enums(op):
            if name not in used_after and name in existing:
                placed.append(DropEnumTypeOp(name, values))
                existing.discard(name)
    container.ops[:] = placed
    return existing
