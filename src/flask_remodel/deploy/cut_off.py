"""A statement the client stopped waiting for: made over on the server, then told from the schema.

Ctrl-C (``KeyboardInterrupt``) or a dropped connection while the server runs
a statement ends the client's wait, not the statement. The server may still
be running it, and may then complete it: a MariaDB/MySQL ``ALTER TABLE``
copying a table goes on to the end after the client is gone. Concluding
from the client's side would record a statement as not run that the server
then runs, and letting the deploy lock go at once would let a second
deployer in while it runs.

So the runner, before it lets the lock go:

1. waits until the server runs nothing more for the session that sent the
   statement (:func:`wait_until_over`), cancelling it after a while;
2. reads the outcome as a process that finds the row ``running`` would
   (:func:`flask_remodel.deploy.died.conclude`: the version table, then the
   schema for a statement marked in flight), and records it, with the cause
   ("interrupted by Ctrl-C during: ...", "connection lost during: ...").

If the statement cannot be seen to end (the wait runs out, or a second
Ctrl-C stops the wait), the row stays ``running`` with the statement marked
in flight, and the lock's row, which names the session, is kept
(:meth:`flask_remodel.deploy.locks.HeldLock.keep_record`): the next deployer
waits until that session is gone, then settles the row from the schema.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from alembic.script import Script
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import DBAPIError

from ..dialects import dialect_for
from ..dialects.base import driver_connection
from ..errors import exception_chain
from .committed import one_line
from .died import Conclusion
from .died import conclude
from .ledger import Ledger

CTRL_C = "interrupted by Ctrl-C"
LOST = "connection lost"

WAIT_BEFORE_CANCEL = 5.0
"""Seconds the server is left to finish a statement before it is asked to cancel it.

Waiting first, not cancelling at once: a statement near its end is better
finished than undone, and on PostgreSQL a cancelled ``CREATE INDEX
CONCURRENTLY`` leaves an INVALID index behind, which is neither end (and
which the schema would show as there). A statement waiting for a lock ends
by itself on MariaDB once the server notices its client is gone (about a
second, measured). Cancelling after a bounded wait, not waiting for ever:
Ctrl-C asks to stop, and an ``ALTER`` queued behind a lock may wait for
``lock_wait_timeout`` (a day by default on MariaDB). A cancelled DDL
statement is undone whole by the server (MariaDB's DDL is atomic; on
PostgreSQL its transaction rolls back), so either way the schema is at one
end and can tell which.
"""
GIVE_UP_AFTER = 30.0
"""Seconds after the cancel before the runner stops waiting and leaves the row to the next run."""
_POLL = 0.05


@dataclass(frozen=True)
class InFlight:
    """A statement sent to the server whose answer never came."""

    session: int | None
    """The server's id of the session running it (None when the driver does not say)."""
    statement: str
    cause: str
    """:data:`CTRL_C` or :data:`LOST`."""

    def describe(self, width: int = 200) -> str:
        return f"{self.cause} during: {one_line(self.statement, width)}"


def _session_of(raw: Any) -> int | None:
    """The server session of driver connection *raw*, from the driver (no round trip)."""
    thread_id = getattr(raw, "thread_id", None)  # PyMySQL, mysqlclient
    if callable(thread_id):
        return int(thread_id())
    info = getattr(raw, "info", None)  # psycopg 3
    if info is not None and hasattr(info, "backend_pid"):
        return int(info.backend_pid)
    backend_pid = getattr(raw, "get_backend_pid", None)  # psycopg2
    return int(backend_pid()) if callable(backend_pid) else None


def _disconnected(exc: BaseException) -> bool:
    if not isinstance(exc, DBAPIError):
        return False
    return bool(exc.connection_invalidated)


def cause_of(exc: BaseException) -> str | None:
    """:data:`CTRL_C` or :data:`LOST` when *exc* (or what it was raised while handling)
    ended the client's wait for a statement; None for any other failure.

    The chain is followed because the clean-up after a Ctrl-C or a dropped
    connection (a rollback on the dead connection) can raise an error of its
    own, which is then the one that reaches the runner.
    """
    for found in exception_chain(exc):
        if isinstance(found, KeyboardInterrupt):
            return CTRL_C
        if _disconnected(found):
            return LOST
    return None


class Watch:
    """Which statement of *engine* is waiting for its answer, on which server session.

    A statement is noted before it is sent and forgotten once it has run; one
    whose wait a Ctrl-C or a dropped connection ended stays, as :attr:`cut`.
    Statements are kept per connection: the ledger writes on connections of
    their own while a migration statement is being sent.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.cut: InFlight | None = None
        self._sending: dict[int, tuple[int | None, str]] = {}

    def _before(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        try:
            session = _session_of(driver_connection(conn))
        except Exception:  # an unknown driver: the statement is still told from the schema
            session = None
        self._sending[id(conn)] = (session, statement)

    def _after(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self._sending.pop(id(conn), None)

    def _error(self, context: ExceptionContext) -> None:
        sending = self._sending.pop(id(context.connection), None)
        if sending is None or self.cut is not None:
            return
        original = context.original_exception
        if isinstance(original, KeyboardInterrupt):
            cause = CTRL_C
        elif context.is_disconnect:
            cause = LOST
        else:
            return
        self.cut = InFlight(sending[0], context.statement or sending[1], cause)

    def found(self, exc: BaseException) -> InFlight | None:
        """The statement *exc* cut off, if it cut one off (else None)."""
        cause = cause_of(exc)
        if cause is None or self.cut is None:
            return None
        return self.cut

    @contextmanager
    def listening(self) -> Iterator[None]:
        engine = self.engine
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)
        event.listen(engine, "handle_error", self._error)
        try:
            yield
        finally:
            event.remove(engine, "handle_error", self._error)
            event.remove(engine, "after_cursor_execute", self._after)
            event.remove(engine, "before_cursor_execute", self._before)


def wait_until_over(
    engine: Engine, session: int | None, *, cancel_after: float = WAIT_BEFORE_CANCEL,
    give_up_after: float = GIVE_UP_AFTER, sleep: Callable[[float], None] = time.sleep,
) -> bool:
    """Wait until *session* runs nothing on the server; True once seen so, False if
    the wait ran out. Cancels its statement after *cancel_after* seconds (see
    :data:`WAIT_BEFORE_CANCEL`), then waits up to *give_up_after* more.

    Asked from a fresh connection of its own: the one that sent the statement
    is dead or in an unknown state. SQLite runs in this process: nothing to wait for.
    """
    dialect = dialect_for(engine)
    if not dialect.runs_in_a_server_session or session is None:
        return not dialect.runs_in_a_server_session
    deadline = time.monotonic() + cancel_after
    cancelled = False
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as own:
        while True:
            if not dialect.session_busy(own, session):
                return True
            if time.monotonic() >= deadline:
                if cancelled:
                    return False
                try:
                    dialect.cancel_statement(own, session)
                except DBAPIError:
                    pass  # ended meanwhile ("Unknown thread id"): the next look says so
                # Only the statement, not the session: it ends by itself, its client gone.
                cancelled = True
                deadline = time.monotonic() + give_up_after
            sleep(_POLL)


def settle(
    cut: InFlight, ledger: Ledger, entry_id: int, *, engine: Engine, transactional: bool,
    applied: Callable[[], set[str]], script: Script | None, seconds: float,
) -> Conclusion | None:
    """Once *cut* is over on the server, record in row *entry_id* what it left; None (the
    row left ``running``, its statement in flight) when it cannot be seen to end.

    The conclusion is the one :mod:`.died` draws for a row whose process is
    gone (the version table, then the schema for a statement in flight), so
    ``status`` and the next ``upgrade`` read the row as this records it.
    """
    if not wait_until_over(engine, cut.session):
        return None
    entry = next(e for e in ledger.entries() if e.id == entry_id)
    found = conclude(entry, applied(), transactional, engine, script)
    ledger.finish(
        entry_id, found.outcome, seconds=seconds, error=f"{cut.describe()}; {found.reason}",
        executed=found.executed,
    )
    return found
