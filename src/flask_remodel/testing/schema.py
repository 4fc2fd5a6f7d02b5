"""A database's schema as plain, comparable data, read through SQLAlchemy's inspector.

Used to tell whether a downgrade put the schema back as it was: two
snapshots are compared, and every difference becomes one readable line.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

VERSION_TABLE = "alembic_version"

Snapshot = dict[str, dict[str, Any]]
"""``{table: {"columns": {...}, "primary key": ..., ...}}`` for every table but Alembic's."""


def _type(column: dict[str, Any], dialect: Any) -> str:
    try:
        return str(column["type"].compile(dialect=dialect))
    except Exception:  # a type the dialect cannot render: its repr still tells types apart
        return repr(column["type"])


def _table(inspector: Any, name: str, dialect: Any) -> dict[str, Any]:
    columns = {
        c["name"]: (_type(c, dialect), bool(c["nullable"]), str(c.get("default")))
        for c in inspector.get_columns(name)
    }
    fks = sorted(
        (
            tuple(fk["constrained_columns"]),
            fk["referred_table"],
            tuple(fk["referred_columns"]),
        )
        for fk in inspector.get_foreign_keys(name)
    )
    indexes = sorted(
        (ix["name"] or "", tuple(str(c) for c in ix["column_names"]), bool(ix["unique"]))
        for ix in inspector.get_indexes(name)
    )
    uniques = sorted(
        (uq["name"] or "", tuple(uq["column_names"]))
        for uq in inspector.get_unique_constraints(name)
    )
    pk = inspector.get_pk_constraint(name)
    return {
        "columns": columns,
        "primary key": tuple(pk.get("constrained_columns") or ()),
        "foreign keys": fks,
        "indexes": indexes,
        "unique constraints": uniques,
    }


def snapshot(connection: Connection) -> Snapshot:
    """The schema of the database *connection* is on (in its own short transaction)."""
    with connection.begin():
        inspector = sa.inspect(connection)
        return {
            name: _table(inspector, name, connection.dialect)
            for name in inspector.get_table_names()
            if name != VERSION_TABLE
        }


def differences(before: Snapshot, after: Snapshot) -> list[str]:
    """What changed from *before* to *after*, one line each (empty: identical)."""
    found: list[str] = []
    for name in sorted(after.keys() - before.keys()):
        found.append(f"table {name} is left behind")
    for name in sorted(before.keys() - after.keys()):
        found.append(f"table {name} is missing")
    for name in sorted(before.keys() & after.keys()):
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


def _shown(column: tuple[str, bool, str]) -> str:
    type_, nullable, default = column
    text = f"{type_} {'NULL' if nullable else 'NOT NULL'}"
    return text if default == "None" else f"{text} DEFAULT {default}"
