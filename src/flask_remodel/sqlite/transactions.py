"""Real transactions for SQLite migrations, with foreign keys handled as SQLite asks.

Two facts decide the shape of this module:

* the sqlite3 driver opens a transaction only before INSERT/UPDATE/DELETE, so
  DDL runs outside any transaction and a migration that fails half-way keeps
  its first half; with the driver's own handling switched off and an explicit
  ``BEGIN``, the whole revision rolls back;
* ``PRAGMA foreign_keys`` is ignored inside a transaction, and while it is on
  a table rebuild's ``DROP TABLE`` deletes (``ON DELETE CASCADE``) or empties
  (``SET NULL``) every row that references the table. So it is switched off
  before ``BEGIN``, and ``PRAGMA foreign_key_check`` runs before each commit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection

from ._driver import driver_connection
from ._driver import foreign_keys_enabled
from .errors import ForeignKeyViolationError


def _check_foreign_keys(connection: Connection) -> None:
    raw = driver_connection(connection)
    violations = raw.execute("PRAGMA foreign_key_check").fetchall()
    if violations:
        raise ForeignKeyViolationError([tuple(row) for row in violations])


def _begin(connection: Connection) -> None:
    driver_connection(connection).execute("BEGIN")


@contextmanager
def sqlite_migration_session(connection: Connection) -> Iterator[None]:
    """Run migrations on *connection* in real transactions with foreign keys off.

    Enter it before any transaction is begun on *connection*. It does nothing
    for other databases. On exit the connection is as it was: the driver's
    transaction handling and ``PRAGMA foreign_keys`` are restored.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    raw = driver_connection(connection)
    if raw.in_transaction:
        # Too late to change the pragma: SQLite would ignore it.
        yield
        return
    enforced = foreign_keys_enabled(raw)
    saved_isolation = raw.isolation_level
    raw.execute("PRAGMA foreign_keys=OFF")
    raw.isolation_level = None  # the driver stops opening transactions itself
    listeners: list[tuple[str, Any]] = [("begin", _begin)]
    if enforced:
        # Only an app that enforces foreign keys expects them to hold.
        listeners.append(("commit", _check_foreign_keys))
    for name, listener in listeners:
        event.listen(connection, name, listener)
    try:
        yield
    finally:
        for name, listener in listeners:
            # A connection closed before the session ends has dropped them already.
            if event.contains(connection, name, listener):
                event.remove(connection, name, listener)
        if raw.in_transaction:
            raw.rollback()
        raw.isolation_level = saved_isolation
        raw.execute(f"PRAGMA foreign_keys={'ON' if enforced else 'OFF'}")
