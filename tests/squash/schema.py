"""A database's schema as plain, comparable data (SQLAlchemy inspection)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from flask_remodel.deploy.tables import OWN_TABLES
from support import engine_for


def _sorted(items: list[dict[str, Any]], *keys: str) -> list[tuple[Any, ...]]:
    return sorted(tuple(_plain(item.get(k)) for k in keys) for item in items)


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(value)
    if isinstance(value, dict):
        return tuple(sorted((k, _plain(v)) for k, v in value.items()))
    return value


def schema(url: str) -> dict[str, Any]:
    """Tables (without the version table) with columns, keys, indexes and constraints."""
    found: dict[str, Any] = {}
    with engine_for(url) as engine:
        inspector = sa.inspect(engine)
        for table in sorted(inspector.get_table_names()):
            if table == "alembic_version" or table in OWN_TABLES:  # bookkeeping, not schema
                continue
            found[table] = {
                "columns": [
                    (c["name"], str(c["type"]), c["nullable"], str(c.get("default")))
                    for c in inspector.get_columns(table)
                ],
                "primary_key": tuple(inspector.get_pk_constraint(table)["constrained_columns"]),
                "foreign_keys": _sorted(
                    inspector.get_foreign_keys(table),
                    "name", "constrained_columns", "referred_table", "referred_columns",
                ),
                "indexes": _sorted(inspector.get_indexes(table), "name", "column_names", "unique"),
                "unique": _sorted(
                    inspector.get_unique_constraints(table), "name", "column_names"
                ),
            }
    return found
