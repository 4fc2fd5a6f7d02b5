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

This is SQLite's own procedure for changing a table
(https://www.sqlite.org/lang_altertable.html#otheralter) combined with
SQLAlchemy's recipe for transactions on pysqlite.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection

from ..dialects import dialect_for
from ..dialects import driver_connection
from ..dialects import run_on_driver as run
from ..dialects.sqlite import MANAGED_DRIVERS
from ..dialects.sqlite import foreign_keys_enabled
from ..dialects.sqlite import uses_stdlib_driver
from .errors import ForeignKeyViolationError

# Python 3.12 added Connection.autocommit; before it, and by default after it,
# the driver follows isolation_level ("legacy transaction control").
_LEGACY_CONTROL: Any = getattr(sqlite3, "LEGACY_TRANSACTION_CONTROL", None)

Listener = tuple[str, Callable[..., None]]


def sqlite_configure_options(dialect_name: str, driver: str | None = None) -> dict[str, Any]:
    """``context.configure`` arguments the migration runner adds for *dialect_name*.

    Alembic believes pysqlite cannot roll back DDL and so never relies on a
    transaction; inside :func:`sqlite_migration_session` it can, so it is told.
    Without the session this must not be passed: DDL would still autocommit.
    The session leaves drivers other than the stdlib's alone (aiosqlite):
    given a *driver*, nothing is passed for those either.
    """
    if driver is not None and driver not in MANAGED_DRIVERS:
        return {}
    return dict(dialect_for(dialect_name).migration_session_options)


@dataclass(frozen=True)
class _DriverState:
    """What the session changes on the driver connection, to put back at the end."""

    foreign_keys: bool
    isolation_level: str | None
    autocommit: Any


def _take_over(raw: Any) -> _DriverState:
    state = _DriverState(
        foreign_keys=foreign_keys_enabled(raw),
        isolation_level=raw.isolation_level,
        autocommit=getattr(raw, "autocommit", _LEGACY_CONTROL),
    )
    if state.autocommit != _LEGACY_CONTROL:
        # With autocommit=True, commit() and rollback() do nothing, and with
        # autocommit=False a transaction is always open (so the pragma below
        # would be ignored). Legacy control is the mode the recipe works in.
        raw.autocommit = _LEGACY_CONTROL
        if raw.in_transaction:
            raw.commit()  # the empty transaction autocommit=False keeps open
    run(raw, "PRAGMA foreign_keys=OFF")
    raw.isolation_level = None  # the driver stops opening transactions itself
    return state


def _give_back(raw: Any, state: _DriverState) -> None:
    if raw.in_transaction:
        raw.rollback()  # only left open when the migration failed
    run(raw, f"PRAGMA foreign_keys={'ON' if state.foreign_keys else 'OFF'}")
    raw.isolation_level = state.isolation_level
    if state.autocommit != _LEGACY_CONTROL:
        raw.autocommit = state.autocommit


def _is_begin(statement: str) -> bool:
    return statement.lstrip()[:5].upper() == "BEGIN"


def _listeners(raw: Any, check_foreign_keys: bool) -> list[Listener]:
    def begin_for_real(
        conn: Connection, cursor: Any, statement: str, *args: Any, **kwargs: Any
    ) -> None:
        # BEGIN goes out before the first statement of a SQLAlchemy
        # transaction rather than in a "begin" listener: an app that already
        # uses SQLAlchemy's pysqlite recipe emits its own BEGIN in an engine
        # "begin" listener, which runs after ours and would then fail.
        if conn.in_transaction() and not raw.in_transaction and not _is_begin(statement):
            run(raw, "BEGIN")

    def check_before_commit(conn: Connection) -> None:
        violations = run(raw, "PRAGMA foreign_key_check")
        if violations:
            # SQLAlchemy does not roll back when a commit listener raises; the
            # DBAPI transaction would stay open on the connection.
            raw.rollback()
            raise ForeignKeyViolationError([_violation(row) for row in violations])

    listeners: list[Listener] = [("before_cursor_execute", begin_for_real)]
    if check_foreign_keys:
        # Only an app that enforces foreign keys expects them to hold.
        listeners.append(("commit", check_before_commit))
    return listeners


def _violation(row: tuple[Any, ...]) -> tuple[str, int | None, str, int]:
    table, rowid, parent, key = row
    return str(table), rowid, str(parent), int(key)


@contextmanager
def sqlite_migration_session(connection: Connection) -> Iterator[None]:
    """Run migrations on *connection* in real transactions with foreign keys off.

    Enter it right after connecting, before any transaction is begun on
    *connection*, and leave it after the last commit; configure Alembic with
    :func:`sqlite_configure_options` inside it. Each transaction then starts
    with a real ``BEGIN``; if the app enforces foreign keys, each commit first
    runs ``PRAGMA foreign_key_check`` and raises
    :class:`ForeignKeyViolationError` (rolled back) on a broken reference.
    On exit the connection is as it was: listeners removed, the driver's
    transaction handling and ``PRAGMA foreign_keys`` restored. For other
    databases, and drivers other than the stdlib sqlite3, it does nothing.
    """
    if not uses_stdlib_driver(connection):
        yield
        return
    if connection.in_transaction():
        raise RuntimeError(
            "sqlite_migration_session() must be entered before any transaction is "
            "begun on the connection: SQLite ignores PRAGMA foreign_keys inside one."
        )
    raw = driver_connection(connection)
    if raw.in_transaction and getattr(raw, "autocommit", _LEGACY_CONTROL) == _LEGACY_CONTROL:
        # The app left uncommitted work on the driver connection itself;
        # changing isolation_level would commit it, so leave everything as is.
        yield
        return
    state = _take_over(raw)
    listeners = _listeners(raw, check_foreign_keys=state.foreign_keys)
    for name, listener in listeners:
        event.listen(connection, name, listener)
    left_open = False
    try:
        yield
        left_open = connection.in_transaction()
    finally:
        open_transaction = connection.get_transaction()  # 1.4 has no Connection.rollback()
        if open_transaction is not None and open_transaction.is_active:
            open_transaction.rollback()
        for name, listener in listeners:
            # A connection closed before the session ends has dropped them already.
            if event.contains(connection, name, listener):
                event.remove(connection, name, listener)
        if not connection.invalidated:
            _give_back(raw, state)
    if left_open:
        raise RuntimeError(
            "A transaction was still open when sqlite_migration_session() ended; it was "
            "rolled back. Commit it before leaving the session."
        )
