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
from datetime import datetime
from datetime import timezone
from typing import Any

from sqlalchemy.engine import Engine

from ..dialects import DeployLockHandle
from ..dialects import dialect_for
from .errors import DeployLockTimeoutError
from .tables import LOCK_TABLE

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


def _poll(
    lock: DeployLockHandle, wait: float, on_wait: OnWait | None, done: Callable[[], bool] | None
) -> None:
    start = time.monotonic()
    delay = _FIRST_DELAY
    reported = -_REPORT_EVERY
    checked = start
    while not lock.try_acquire():
        now = time.monotonic()
        waited = now - start
        if done is not None and now - checked >= _CHECK_EVERY:
            # Waiters leave as soon as the holder has done their work too, instead
            # of taking the lock one after another only to find nothing to do.
            checked = now
            if done():
                raise NoLongerNeeded()
        if waited >= wait:
            holder = _holder(lock)
            raise DeployLockTimeoutError(waited, holder.describe() if holder else None)
        if on_wait is not None and waited - reported >= _REPORT_EVERY:
            reported = waited
            on_wait(_holder(lock), waited)
        # Jitter keeps instances that started together from retrying together.
        time.sleep(min(delay * random.uniform(0.5, 1.5), max(wait - waited, 0.0)))
        delay = min(delay * 2, _MAX_DELAY)


@contextmanager
def deploy_lock(
    engine: Engine,
    holder: Holder,
    wait: float,
    on_wait: OnWait | None = None,
    schema: str | None = None,
    done: Callable[[], bool] | None = None,
) -> Iterator[None]:
    """Hold the database's deploy lock inside the block.

    Waits up to *wait* seconds, calling *on_wait* now and then, and raises
    :class:`DeployLockTimeoutError` (naming the holder) after that. While
    waiting, *done* is asked every half second whether the lock is still
    needed; :class:`NoLongerNeeded` is raised when it is not.
    """
    with _lock_for(engine, schema) as lock:
        _poll(lock, wait, on_wait, done)
        try:
            lock.record(asdict(holder))
            yield
        finally:
            lock.forget()
            lock.unlock()


def lock_is_free(engine: Engine, schema: str | None = None) -> bool:
    """Whether nobody holds the lock now (``status`` tells interrupted runs apart)."""
    with _lock_for(engine, schema) as lock:
        if not lock.try_acquire():
            return False
        lock.unlock()
        return True


def current_holder(engine: Engine, schema: str | None = None) -> Holder | None:
    with _lock_for(engine, schema) as lock:
        return _holder(lock)


__all__ = ["LOCK_TABLE", "Holder", "deploy_lock", "lock_is_free", "current_holder"]
