"""The savepoint each statement of a revision runs under, in fewer round trips.

A statement that times out waiting for a lock must be undone alone, so that
it can be retried without undoing its revision: it runs under a savepoint.
Sent plainly that is two extra round trips a statement (``SAVEPOINT`` before,
``RELEASE`` after), more than a local server needs for an ``ADD COLUMN``.

Instead, a statement that succeeded leaves its savepoint open. The next
statement in the same transaction releases it and takes its own in one round
trip (``RELEASE SAVEPOINT s; SAVEPOINT s``, which the psycopg drivers send as
one query), and the commit releases the last one. A statement that fails is
rolled back to its savepoint and the savepoint released, as before.

This is only safe while our savepoint is the newest one. Code in a revision
may take savepoints of its own (``begin_nested()``), and releasing ours then
would release theirs with it. So any savepoint statement that is not ours
(seen by a ``before_cursor_execute`` listener on the connection) makes the
rest of that transaction go back to ``SAVEPOINT`` and ``RELEASE`` around each
statement. Drivers that cannot send two statements in one query (asyncpg,
pg8000) always do that.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection

NAME = "remodel_statement"
REVISION_NAME = "remodel_revision"
"""The savepoint a whole revision starts with (:meth:`.statements.StatementRetrier.run_revision`).

Older than any statement's savepoint and never released before the commit,
so releasing a statement's savepoint cannot release it: not a foreign one."""
_SAVEPOINT_STATEMENTS = ("SAVEPOINT", "RELEASE", "ROLLBACK")
# Drivers that send a statement without parameters as a simple query, where
# several statements separated by semicolons are one round trip.
_COMBINING_DRIVERS = frozenset({"psycopg", "psycopg2"})


class StatementSavepoints:
    """Takes and ends the savepoint of each statement on *connection*."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._combines = connection.dialect.driver in _COMBINING_DRIVERS
        self._kept: Any = None
        """The transaction in which our last savepoint is still open (and the newest)."""
        self._foreign: Any = None
        """The transaction in which a savepoint not ours was seen: no keeping there."""
        self._listening = False

    def _transaction(self) -> Any:
        return self.connection.get_transaction()

    def _seen(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        head = statement.lstrip()[:16].upper()
        if head.startswith(_SAVEPOINT_STATEMENTS) and not any(
            ours in statement for ours in (NAME, REVISION_NAME)
        ):
            self._foreign = self._transaction()
            self._kept = None

    def _listen(self) -> None:
        if not self._listening:
            event.listen(self.connection, "before_cursor_execute", self._seen)
            self._listening = True

    def close(self) -> None:
        if self._listening:
            event.remove(self.connection, "before_cursor_execute", self._seen)
            self._listening = False

    def take(self) -> None:
        """Before a statement: its own savepoint (ending the previous one if kept)."""
        transaction = self._transaction()
        if self._kept is not None and self._kept is transaction:
            self.connection.exec_driver_sql(f"RELEASE SAVEPOINT {NAME}; SAVEPOINT {NAME}")
        else:
            self._kept = None  # a kept savepoint of an earlier transaction ended with it
            self.connection.exec_driver_sql(f"SAVEPOINT {NAME}")

    def succeeded(self) -> None:
        """After the statement: keep its savepoint open when that is safe, else release it."""
        transaction = self._transaction()
        if self._combines and transaction is not None and self._foreign is not transaction:
            self._listen()
            self._kept = transaction
            return
        self._kept = None
        self.connection.exec_driver_sql(f"RELEASE SAVEPOINT {NAME}")

    def failed(self) -> None:
        """After the statement failed: undo it alone and end its savepoint."""
        self._kept = None
        try:
            self.connection.exec_driver_sql(f"ROLLBACK TO SAVEPOINT {NAME}")
            self.connection.exec_driver_sql(f"RELEASE SAVEPOINT {NAME}")
        except Exception:
            pass  # the connection or the transaction is lost: the statement's error says why
