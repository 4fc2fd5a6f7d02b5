"""Reaching the sqlite3 connection under a SQLAlchemy connection, on SQLAlchemy 1.4 and 2.x."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

MANAGED_DRIVERS = frozenset({"pysqlite", "pysqlcipher"})
"""Drivers built on the stdlib ``sqlite3`` API, whose transaction handling we know."""


def driver_connection(connection: Connection) -> Any:
    """The DB-API connection that *connection* uses (the ``sqlite3.Connection`` on SQLite).

    For an async driver (aiosqlite, asyncpg) that is SQLAlchemy's adapter, whose
    DB-API methods work where the driver's own connection, all coroutines
    (``driver_connection``), does not; for every other driver the two are one object.
    """
    pooled = connection.connection
    # SQLAlchemy 2.x names it dbapi_connection; 1.4 calls it .connection.
    found = getattr(pooled, "dbapi_connection", None)
    return found if found is not None else pooled.connection


def run(raw: Any, sql: str) -> list[tuple[Any, ...]]:
    """Run *sql* on the driver connection, past SQLAlchemy's events.

    Going around SQLAlchemy keeps these statements from starting a
    SQLAlchemy transaction or reaching the app's cursor listeners.
    """
    cursor = raw.cursor()
    try:
        cursor.execute(sql)
        return [tuple(row) for row in cursor.fetchall()] if cursor.description else []
    finally:
        cursor.close()


def foreign_keys_enabled(raw: Any) -> bool:
    return bool(run(raw, "PRAGMA foreign_keys")[0][0])
