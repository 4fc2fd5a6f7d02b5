"""SQLite: one file, one writer, tables rebuilt to be altered.

* **No lock timeouts:** DDL takes the whole database's write lock and there
  is no lock queue for the app's writers to stall in.
* **Session guard:** migrations run in real transactions with foreign keys
  off around them (:func:`flask_remodel.sqlite.sqlite_migration_session`);
  only then can Alembic roll DDL back.
* **Deploy lock:** ``flock`` on ``<database file>.remodel-lock``; it spans
  processes (and containers sharing the volume, which they must do to share
  the database file). The holder's details are the file's content. An
  in-memory database lives in one process: no lock.
* **Backups:** the online backup API of the stdlib ``sqlite3`` (consistent
  while the app writes).
* **Scratch databases:** a file in a new temporary folder.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from collections.abc import Mapping
from contextlib import contextmanager
from pathlib import Path
from types import MappingProxyType
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine
from sqlalchemy.engine import make_url

from .base import SCRATCH_PREFIX
from .base import Backup
from .base import DeployLockHandle
from .base import DialectSupport
from .base import NoLock
from .base import private_file
from .base import run_on_driver

try:  # POSIX; elsewhere SQLite databases are locked within one process only
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

MANAGED_DRIVERS = frozenset({"pysqlite", "pysqlcipher"})
"""Drivers built on the stdlib ``sqlite3`` API, whose transaction handling we know."""


def uses_stdlib_driver(connection: Connection) -> bool:
    """Whether *connection* is SQLite through a driver in :data:`MANAGED_DRIVERS`."""
    dialect = connection.dialect
    return dialect.name in SQLiteSupport.names and dialect.driver in MANAGED_DRIVERS


def foreign_keys_enabled(raw: Any) -> bool:
    """Whether ``PRAGMA foreign_keys`` is on for the sqlite3 connection *raw*."""
    return bool(run_on_driver(raw, "PRAGMA foreign_keys")[0][0])


def lock_path(engine: Engine) -> Path | None:
    """The deploy lock file of a file-based SQLite database (``None`` for in-memory)."""
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    if database.startswith("file:"):  # a URI filename
        database = database[5:].split("?", 1)[0]
    return Path(database).resolve().with_name(Path(database).name + ".remodel-lock")


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

    def record(self, details: Mapping[str, Any]) -> None:
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, json.dumps(dict(details)).encode(), 0)

    def details(self) -> Mapping[str, Any] | None:
        try:
            found = json.loads(self.path.read_bytes() or b"null")
        except (OSError, ValueError):
            return None  # being rewritten, or never written
        return found if isinstance(found, dict) else None

    def forget(self) -> None:
        os.ftruncate(self.fd, 0)

    def unlock(self) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_UN)

    def still_held(self) -> bool:
        # An flock lasts as long as its open file: nothing outside this process ends it.
        return True

    def note_session(self, connection: Connection) -> None:
        pass  # the lock cannot be lost while the holder lives, so no waiter asks

    def live_sessions(self, details: Mapping[str, Any]) -> list[int]:
        return []

    def held_clause(self) -> sa.TextClause | None:
        return None  # a file lock the database knows nothing of

    def close(self) -> None:
        os.close(self.fd)


class SQLiteSupport(DialectSupport):
    names = ("sqlite",)
    label = "SQLite"
    linted = True

    # Inside the migration session (below), DDL rolls back with the revision.
    transactional_ddl = True
    alters_by_rebuild = True
    database_write_lock = True
    integer_primary_key_numbers_itself = True  # INTEGER PRIMARY KEY is the rowid
    # Foreign keys enforced, so the same broken reference fails as on a
    # server; commits not flushed, the file is thrown away.
    scratch_session_settings = (
        "PRAGMA foreign_keys=ON", "PRAGMA synchronous=OFF", "PRAGMA journal_mode=MEMORY",
    )
    backup_suffix = ".sqlite3"

    # -- session guards ---------------------------------------------------------

    database_is_a_file = True
    has_migration_session = True
    # Alembic believes pysqlite cannot roll back DDL and so never relies on a
    # transaction; inside the migration session it can, so it is told.
    migration_session_options: Mapping[str, Any] = MappingProxyType({"transactional_ddl": True})


    # -- the deploy lock --------------------------------------------------------

    @contextmanager
    def open_deploy_lock(
        self, engine: Engine, schema: str | None = None
    ) -> Iterator[DeployLockHandle]:
        path = lock_path(engine)
        if path is None or fcntl is None:
            yield NoLock()
            return
        lock = FileLock(path)
        try:
            yield lock
        finally:
            lock.close()

    # -- backups ------------------------------------------------------------------

    def backup(self, engine: Engine, path: Path) -> Backup:
        from ..deploy.errors import BackupError

        if lock_path(engine) is None:
            raise BackupError("an in-memory SQLite database has nothing to back up to a file")
        source_path = str(engine.url.database)
        os.close(private_file(path))
        source = sqlite3.connect(source_path)
        try:
            target = sqlite3.connect(str(path))
            try:
                source.backup(target)
            finally:
                target.close()
        finally:
            source.close()
        return Backup(path, f"stop the app, then copy {path} over {Path(source_path).resolve()}")

    # -- scratch databases ----------------------------------------------------------

    @contextmanager
    def scratch_database(
        self, url: str | URL, prefix: str = SCRATCH_PREFIX
    ) -> Iterator[URL]:
        """A file in a new temporary folder, whatever *url* names; deleted afterwards."""
        parsed = make_url(url) if isinstance(url, str) else url
        folder = Path(tempfile.mkdtemp(prefix=prefix))
        try:
            yield parsed.set(database=str(folder / "scratch.db"))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
