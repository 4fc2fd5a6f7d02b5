"""One deploy lock per database, taken without ever blocking inside the server.

``upgrade``, ``downgrade``, ``stamp`` and ``resolve`` run under it, so instances
that start together apply each revision once. Why each choice:

* **polled, never a blocking wait**: a session blocked in
  ``pg_advisory_lock`` keeps a statement open, and ``CREATE INDEX
  CONCURRENTLY`` run by the holder waits for every open statement, so the two
  wait on each other forever (measured: ``reference/safety-and-deploy.md``
  §3.3). ``pg_try_advisory_lock`` / ``GET_LOCK(name, 0)`` return at once; the
  waiter sleeps between tries with backoff, holding nothing;
* **a dedicated connection**, in autocommit: taking the lock on the migration
  connection would put Alembic inside an "external" transaction it never
  commits (``reference/alembic.md`` §5.2);
* **a session lock** dies with its connection, so a killed instance frees it
  (no stale row to clean up, unlike a lock table);
* **SQLite**: ``flock`` on a file next to the database. It spans processes
  (and containers sharing the volume, which they must do to share the
  database file). An in-memory database lives in one process: no lock.

The holder writes who it is (host, pid, since, target) to a one-row table
``remodel_lock`` (or into the lock file on SQLite), so a waiting instance can
say whom it waits for.

A session lock can also end while its holder lives: anything that ends an
idle session ends the lock's connection, not the migration's. The holder
checks it still holds the lock before each revision and statement
(:class:`HeldLock`) and stops with :class:`DeployLockLostError`; its row also
lists the sessions it works through, and a waiter that gets the lock waits
while any of them is open instead of taking the holder for dead.

The lock itself is the database's: each module of :mod:`flask_remodel.dialects`
opens its own (``open_deploy_lock``); this module polls it and keeps the holder.
"""

from __future__ import annotations

import os
import random
import socket
import time
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from datetime import datetime
from datetime import timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine

from ..async_bridge import on_bridge_loop
from ..dialects import DeployLockHandle
from ..dialects import dialect_for
from .errors import DeployLockLostError
from .errors import DeployLockTimeoutError
from .tables import LOCK_TABLE
from .tables import OWN_TABLES

_FIRST_DELAY = 0.025
_MAX_DELAY = 1.0
_REPORT_EVERY = 5.0
_CHECK_EVERY = 0.5


@dataclass(frozen=True)
class Holder:
    """Who holds (or wants) the lock."""

    command: str
    target: str
    host: str = field(default_factory=socket.gethostname)
    pid: int = field(default_factory=os.getpid)
    since: str = field(
        default_factory=lambda: datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    )

    def describe(self) -> str:
        return (
            f"pid {self.pid} on {self.host} since {self.since} "
            f"({self.command} to {self.target})"
        )

    @classmethod
    def from_mapping(cls, data: Any) -> Holder:
        return cls(
            command=str(data["command"]), target=str(data["target"]), host=str(data["host"]),
            pid=int(data["pid"]), since=str(data["since"]),
        )


OnWait = Callable[[Holder | None, float], None]
"""Called while waiting: the current holder (if known) and the seconds waited."""


def _holder(lock: DeployLockHandle) -> Holder | None:
    details = lock.details()
    if details is None:
        return None
    try:
        return Holder.from_mapping(details)
    except (KeyError, TypeError, ValueError):
        return None  # being rewritten, or written by something else


@contextmanager
def _lock_for(engine: Engine, schema: str | None) -> Iterator[DeployLockHandle]:
    with dialect_for(engine).open_deploy_lock(engine, schema) as lock:
        yield lock


class NoLongerNeeded(Exception):
    """Raised by :func:`deploy_lock` when *done* said the work was finished meanwhile."""


def _still_working(lock: DeployLockHandle) -> Holder | None:
    """A former holder whose lock session ended while its others may still work.

    The lock was free, yet the row of the last holder is still there (a
    holder deletes it when it stops) and names server sessions that are
    open: that holder's lock session was ended (by an administrator, an idle
    timeout, a pooler) and it may still be running a revision; or it stopped
    waiting for a statement the server may still run (Ctrl-C, a dropped
    connection) and kept the row (:meth:`HeldLock.keep_record`). Taking it for
    dead would run that revision a second time, at the same time.
    """
    details = lock.details()
    if details is None or not lock.live_sessions(details):
        return None
    try:
        return Holder.from_mapping(details)
    except (KeyError, TypeError, ValueError):
        return Holder("?", "?", host="?", pid=0, since="?")


def _poll(
    lock: DeployLockHandle, wait: float, on_wait: OnWait | None, done: Callable[[], bool] | None
) -> None:
    start = time.monotonic()
    delay = _FIRST_DELAY
    reported = -_REPORT_EVERY
    checked = start
    acquired = False
    while True:
        # Tried once only: PostgreSQL advisory locks count, and one unlock undoes one take.
        acquired = acquired or lock.try_acquire()
        former = _still_working(lock) if acquired else None
        if acquired and former is None:
            return
        now = time.monotonic()
        waited = now - start
        if done is not None and now - checked >= _CHECK_EVERY:
            # Waiters leave as soon as the holder has done their work too, instead
            # of taking the lock one after another only to find nothing to do.
            checked = now
            if done():
                raise NoLongerNeeded()
        if former is not None:
            # Holding the lock meanwhile keeps other waiters from the same mistake.
            holder: Holder | None = replace(
                former, target=f"{former.target}, still running after its lock's session ended"
            )
        elif waited >= wait or (on_wait is not None and waited - reported >= _REPORT_EVERY):
            holder = _holder(lock)
        else:
            holder = None
        if waited >= wait:
            raise DeployLockTimeoutError(waited, holder.describe() if holder else None)
        if on_wait is not None and waited - reported >= _REPORT_EVERY:
            reported = waited
            on_wait(holder, waited)
        pause = _CHECK_EVERY if former is not None else delay
        # Jitter keeps instances that started together from retrying together.
        time.sleep(min(pause * random.uniform(0.5, 1.5), max(wait - waited, 0.0)))
        delay = min(delay * 2, _MAX_DELAY)


_STATEMENT_CHECK_EVERY = 0.5
_ALWAYS_ALLOWED = ("SAVEPOINT", "RELEASE", "ROLLBACK")


class HeldLock:
    """The deploy lock while a command holds it: it notices when the lock is lost.

    A session lock dies with its session, and anything that ends an idle
    session (an administrator, an idle timeout, a pooler) ends the lock's own
    connection while the migration goes on in another. So the holder asks
    :meth:`check` before marking a revision done (and before each revision
    when the last check is older than half a second), and a ``before_cursor_execute``
    listener asks at most every half second before a statement of the
    engine (a round trip on the lock's connection, cheap next to DDL). Once
    lost, every later statement is refused, except the ledger's and lock
    table's own writes (which record the stop) and savepoint and rollback
    statements (which undo work); a revision that catches the error cannot
    carry on without the lock.

    It also writes down each server session that runs a statement while the
    lock is held, so a waiter that gets the lock after it was lost can tell
    whether this holder's work may still be going on.
    """

    def __init__(self, lock: DeployLockHandle) -> None:
        self._lock = lock
        self._checked = time.monotonic()
        self._busy = False
        self.lost = False
        self.kept = False

    def keep_record(self, keep: bool = True) -> None:
        """Leave the lock's row (which names this holder's sessions) when the lock is let go.

        For a statement the holder stopped waiting for (Ctrl-C, a dropped
        connection, :mod:`.cut_off`) and cannot see end on the server: with
        the row left, the next holder waits until those sessions are gone
        (:func:`_still_working`) instead of starting while the statement runs.
        """
        self.kept = keep

    def check(self) -> None:
        """Raise :class:`DeployLockLostError` unless the lock is still held."""
        self._checked = time.monotonic()
        # An old async env.py (``asyncio.run``) runs the revisions in an event loop
        # of its own, and the lock's async connection belongs to the bridge's:
        # the round trip goes through that loop, in a thread of its own.
        if self.lost or not on_bridge_loop(self._lock.still_held):
            self.lost = True
            raise DeployLockLostError()

    def guard(self) -> sa.TextClause | None:
        """A condition for the ledger's write that marks a revision done, in place of :meth:`check`.

        Where the database lets any session see the lock (PostgreSQL), the
        write carries the question: one round trip less a revision, and the
        answer is the one true at the write. The writer reports the answer
        with :meth:`answered`. None where :meth:`check` must ask.
        """
        # The lock's own session is asked for its id once: through the bridge's
        # loop, which its connection belongs to (see :meth:`check`).
        return None if self.lost else on_bridge_loop(self._lock.held_clause)

    def answered(self, held: bool) -> None:
        """What a write carrying :meth:`guard` found; :class:`DeployLockLostError` if lost."""
        self._checked = time.monotonic()
        if not held:
            self.lost = True
            raise DeployLockLostError()

    def check_if_stale(self) -> None:
        """:meth:`check`, unless the last check is more recent than the statements' interval.

        Before a revision starts: the previous revision's last check (just
        before its commit) is usually milliseconds old, and the statements
        that follow are checked at that same interval anyway.
        """
        if self.lost or time.monotonic() - self._checked >= _STATEMENT_CHECK_EVERY:
            self.check()

    def before_statement(
        self, conn: Connection, cursor: Any, statement: str, *args: Any
    ) -> None:
        if self._busy:  # the check's own statement, on the lock's connection
            return
        self._busy = True
        try:
            if self.lost:
                head = statement.lstrip()[:16].upper()
                if head.startswith(_ALWAYS_ALLOWED) or any(t in statement for t in OWN_TABLES):
                    return
                raise DeployLockLostError()
            self._lock.note_session(conn)
            if time.monotonic() - self._checked >= _STATEMENT_CHECK_EVERY:
                self.check()
        finally:
            self._busy = False


@contextmanager
def deploy_lock(
    engine: Engine,
    holder: Holder,
    wait: float,
    on_wait: OnWait | None = None,
    schema: str | None = None,
    done: Callable[[], bool] | None = None,
) -> Iterator[HeldLock]:
    """Hold the database's deploy lock inside the block.

    Waits up to *wait* seconds, calling *on_wait* now and then, and raises
    :class:`DeployLockTimeoutError` (naming the holder) after that. While
    waiting, *done* is asked every half second whether the lock is still
    needed; :class:`NoLongerNeeded` is raised when it is not. Statements run
    through *engine* in the block raise :class:`DeployLockLostError` once the
    lock is lost (see :class:`HeldLock`).
    """
    with _lock_for(engine, schema) as lock:
        _poll(lock, wait, on_wait, done)
        held = HeldLock(lock)
        try:
            lock.record(asdict(holder))
            event.listen(engine, "before_cursor_execute", held.before_statement)
            yield held
        finally:
            if event.contains(engine, "before_cursor_execute", held.before_statement):
                event.remove(engine, "before_cursor_execute", held.before_statement)
            if not held.kept:
                lock.forget()
            if lock.still_held():  # a lost lock is not ours to release
                lock.unlock()


def lock_is_free(engine: Engine, schema: str | None = None) -> bool:
    """Whether nobody holds the lock now (``status`` tells interrupted runs apart)."""
    with _lock_for(engine, schema) as lock:
        if not lock.try_acquire():
            return False
        working = _still_working(lock)
        lock.unlock()
        return working is None


def current_holder(engine: Engine, schema: str | None = None) -> Holder | None:
    with _lock_for(engine, schema) as lock:
        return _holder(lock)


__all__ = ["LOCK_TABLE", "HeldLock", "Holder", "deploy_lock", "lock_is_free", "current_holder"]
