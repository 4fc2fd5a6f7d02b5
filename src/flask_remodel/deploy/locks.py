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
"""

from __future__ import annotations

import json
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
from pathlib import Path
from typing import Any
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from .errors import DeployLockTimeoutError
from .tables import LOCK_TABLE
from .tables import lock_table

try:  # POSIX; elsewhere SQLite databases are locked within one process only
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

# One constant key: advisory locks are per database already.
_PG_KEY = 0x52454D4F44454C  # "REMODEL"
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


class _Lock(Protocol):
    def try_acquire(self) -> bool: ...
    def record(self, holder: Holder) -> None: ...
    def holder(self) -> Holder | None: ...
    def forget(self) -> None: ...
    def unlock(self) -> None: ...


def _autocommit(engine: Engine) -> Connection:
    return engine.connect().execution_options(isolation_level="AUTOCOMMIT")


class _TableRecord:
    """Holder info in the ``remodel_lock`` table, written on the lock connection."""

    def __init__(self, connection: Connection, name: str, schema: str | None) -> None:
        self.connection = connection
        self.name = name
        self.table = lock_table(schema)

    def record(self, holder: Holder) -> None:
        self.table.create(self.connection, checkfirst=True)
        self.connection.execute(self.table.delete().where(self.table.c.name == self.name))
        self.connection.execute(self.table.insert().values(name=self.name, **asdict(holder)))

    def holder(self) -> Holder | None:
        try:
            row = self.connection.execute(
                sa.select(self.table).where(self.table.c.name == self.name)
            ).mappings().first()
        except DBAPIError:  # no table yet: the holder has not written it
            return None
        return Holder.from_mapping(row) if row is not None else None

    def forget(self) -> None:
        try:
            self.connection.execute(self.table.delete().where(self.table.c.name == self.name))
        except DBAPIError:
            pass  # the lock is released with the connection anyway


class PostgresLock(_TableRecord):
    def try_acquire(self) -> bool:
        got = self.connection.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": _PG_KEY})
        return bool(got.scalar())

    def unlock(self) -> None:
        self.connection.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_KEY})


class MySQLLock(_TableRecord):
    def try_acquire(self) -> bool:
        got = self.connection.execute(sa.text("SELECT GET_LOCK(:n, 0)"), {"n": self.name})
        return got.scalar() == 1

    def unlock(self) -> None:
        self.connection.execute(sa.text("SELECT RELEASE_LOCK(:n)"), {"n": self.name})


class FileLock:
    """``flock`` on ``<database>.remodel-lock``; the holder's details are its content."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)

    def try_acquire(self) -> bool:
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def record(self, holder: Holder) -> None:
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, json.dumps(asdict(holder)).encode(), 0)

    def holder(self) -> Holder | None:
        try:
            return Holder.from_mapping(json.loads(self.path.read_bytes() or b"null"))
        except (OSError, ValueError, TypeError, KeyError):
            return None  # being rewritten, or never written

    def forget(self) -> None:
        os.ftruncate(self.fd, 0)

    def unlock(self) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_UN)

    def close(self) -> None:
        os.close(self.fd)


class _NoLock:
    """In-memory SQLite (one process) or a database without a lock we know."""

    def try_acquire(self) -> bool:
        return True

    def record(self, holder: Holder) -> None:
        pass

    def holder(self) -> Holder | None:
        return None

    def forget(self) -> None:
        pass

    def unlock(self) -> None:
        pass


def sqlite_lock_path(engine: Engine) -> Path | None:
    """The lock file of a file-based SQLite database (``None`` for in-memory)."""
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    if database.startswith("file:"):  # a URI filename
        database = database[5:].split("?", 1)[0]
    return Path(database).resolve().with_name(Path(database).name + ".remodel-lock")


@contextmanager
def _lock_for(engine: Engine, schema: str | None) -> Iterator[_Lock]:
    dialect = engine.dialect.name
    if dialect == "sqlite":
        path = sqlite_lock_path(engine)
        if path is None or fcntl is None:
            yield _NoLock()
            return
        lock = FileLock(path)
        try:
            yield lock
        finally:
            lock.close()
        return
    if dialect == "postgresql":
        with _autocommit(engine) as connection:
            yield PostgresLock(connection, "deploy", schema)
        return
    if dialect in ("mysql", "mariadb"):
        # GET_LOCK names are server-wide: one per database.
        name = f"flask-remodel:{engine.url.database}"[:64]
        with _autocommit(engine) as connection:
            yield MySQLLock(connection, name, schema)
        return
    yield _NoLock()


class NoLongerNeeded(Exception):
    """Raised by :func:`deploy_lock` when *done* said the work was finished meanwhile."""


def _poll(
    lock: _Lock, wait: float, on_wait: OnWait | None, done: Callable[[], bool] | None
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
            holder = lock.holder()
            raise DeployLockTimeoutError(waited, holder.describe() if holder else None)
        if on_wait is not None and waited - reported >= _REPORT_EVERY:
            reported = waited
            on_wait(lock.holder(), waited)
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
            lock.record(holder)
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
        return lock.holder()


__all__ = ["LOCK_TABLE", "Holder", "deploy_lock", "lock_is_free", "current_holder"]
