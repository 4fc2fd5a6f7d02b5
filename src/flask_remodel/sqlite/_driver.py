"""Reaching the sqlite3 connection under a SQLAlchemy connection, on SQLAlchemy 1.4 and 2.x."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection


def driver_connection(connection: Connection) -> Any:
    """The ``sqlite3.Connection`` that *connection* uses."""
    pooled = connection.connection
    # SQLAlchemy 2.x names it driver_connection; 1.4 calls it .connection.
    found = getattr(pooled, "driver_connection", None)
    return found if found is not None else pooled.connection


def foreign_keys_enabled(raw: Any) -> bool:
    return bool(raw.execute("PRAGMA foreign_keys").fetchone()[0])
