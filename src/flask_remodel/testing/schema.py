"""A database's schema as plain, comparable data, reflected through SQLAlchemy.

Used to tell whether a downgrade put the schema back as it was: two
snapshots are compared, and every difference becomes one readable line.
"""

from __future__ import annotations

import warnings
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..dialects import dialect_for

VERSION_TABLE = "alembic_version"

Snapshot = dict[str, dict[str, Any]]
"""``{table: {"columns": {...}, "primary key": ..., ...}}`` for every table but Alembic's,
and on PostgreSQL ``{"enum type NAME": {}}`` for each enum type."""

# Where reflect() keeps PostgreSQL's enum types: a downgrade that leaves one behind
# makes the next upgrade fail with "type ... already exists", far from the cause.
_ENUM_TYPES = "remodel_enum_types"
_ENUM_PREFIX = "enum type "


def reflect(connection: Connection) -> sa.MetaData:
    """The tables the database has now (Alembic's version table left out)."""
    metadata = sa.MetaData()
    with connection.begin(), warnings.catch_warnings():
        # Reflection warns about types and expression indexes it only half
        # understands; the checks need the tables, not those details.
        warnings.simplefilter("ignore")
        metadata.reflect(connection)
        if dialect_for(connection).named_enum_types:
            enums = sa.inspect(connection).get_enums()  # type: ignore[attr-defined]
            metadata.info[_ENUM_TYPES] = sorted(enum["name"] for enum in enums)
    if VERSION_TABLE in metadata.tables:
        metadata.remove(metadata.tables[VERSION_TABLE])
    return metadata


def _type(column: sa.Column[Any], dialect: Any) -> str:
    try:
        return str(column.type.compile(dialect=dialect))
    except Exception:  # a type the dialect cannot render: its repr still tells types apart
        return repr(column.type)


def _default(column: sa.Column[Any]) -> str:
    default = column.server_default
    arg = getattr(default, "arg", None)
    return str(getattr(arg, "text", arg))


def _names(items: Any) -> tuple[str, ...]:
    return tuple(str(getattr(item, "name", None) or item) for item in items)


def _table(table: sa.Table, dialect: Any) -> dict[str, Any]:
    fks = sorted(
        (_names(fk.columns), fk.referred_table.name, _names(e.column for e in fk.elements))
        for fk in table.foreign_key_constraints
    )
    indexes = sorted(
        (index.name or "", _names(index.expressions), bool(index.unique))
        for index in table.indexes
    )
    uniques = sorted(
        (constraint.name or "", _names(constraint.columns))
        for constraint in table.constraints
        if isinstance(constraint, sa.UniqueConstraint)
    )
    return {
        "columns": {
            c.name: (_type(c, dialect), bool(c.nullable), _default(c)) for c in table.columns
        },
        "primary key": _names(table.primary_key.columns),
        "foreign keys": fks,
        "indexes": indexes,
        "unique constraints": uniques,
    }


def shape(metadata: sa.MetaData, dialect: Any) -> Snapshot:
    """The comparable form of reflected *metadata* (see :func:`reflect`)."""
    found = {name: _table(table, dialect) for name, table in metadata.tables.items()}
    # Only the types' existence: PostgreSQL cannot drop an enum value, so a
    # downgrade that leaves an added value in place is the usual, safe practice.
    found.update({_ENUM_PREFIX + name: {} for name in metadata.info.get(_ENUM_TYPES, ())})
    return found


def snapshot(connection: Connection) -> Snapshot:
    """The schema of the database *connection* is on, reflected now."""
    return shape(reflect(connection), connection.dialect)


def differences(before: Snapshot, after: Snapshot) -> list[str]:
    """What changed from *before* to *after*, one line each (empty: identical)."""
    found: list[str] = []
    for name in sorted(after.keys() - before.keys()):
        found.append(f"{_kind(name)} is left behind")
    for name in sorted(before.keys() - after.keys()):
        found.append(f"{_kind(name)} is missing")
    for name in sorted(before.keys() & after.keys()):
        if name.startswith(_ENUM_PREFIX):
            continue
        old, new = before[name], after[name]
        old_cols, new_cols = old["columns"], new["columns"]
        for col in sorted(new_cols.keys() - old_cols.keys()):
            found.append(f"column {name}.{col} is left behind")
        for col in sorted(old_cols.keys() - new_cols.keys()):
            found.append(f"column {name}.{col} is missing")
        for col in sorted(old_cols.keys() & new_cols.keys()):
            if old_cols[col] != new_cols[col]:
                found.append(
                    f"column {name}.{col} changed from {_shown(old_cols[col])} "
                    f"to {_shown(new_cols[col])}"
                )
        for part in ("primary key", "foreign keys", "indexes", "unique constraints"):
            if old[part] != new[part]:
                found.append(f"{part} of {name} changed from {old[part]} to {new[part]}")
    return found


def _kind(name: str) -> str:
    return name if name.startswith(_ENUM_PREFIX) else f"table {name}"


def _shown(column: tuple[str, bool, str]) -> str:
    type_, nullable, default = column
    text = f"{type_} {'NULL' if nullable else 'NOT NULL'}"
    return text if default == "None" else f"{text} DEFAULT {default}"
