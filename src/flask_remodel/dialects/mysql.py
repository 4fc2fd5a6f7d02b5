"""MariaDB and MySQL (SQLAlchemy's ``mysql`` and ``mariadb`` dialects share this module).

* **DDL commits by itself**, statement by statement: a failed revision keeps
  what ran before the failure.
* **Lock timeouts:** ``lock_wait_timeout`` bounds waits for metadata locks,
  which every ALTER needs and which queue every later statement on the
  table behind it; ``innodb_lock_wait_timeout`` bounds row-lock waits
  (UPDATEs in data migrations). Both count whole seconds, so they are set
  rounded up (0 would mean "never wait", and an ALTER on a table with any
  traffic would then never start), and a watchdog cancels a metadata-lock
  wait at the configured milliseconds (:class:`LockWaitWatchdog`).
* **Strict mode** around a migration run (:meth:`MySQLSupport.strict_mode`).
* **Deploy lock:** ``GET_LOCK('flask-remodel:<database>', 0)`` on a dedicated
  autocommit connection (lock names are server-wide: one per database).
* **Backups:** ``mariadb-dump`` or ``mysqldump`` (``REMODEL_MYSQL_DUMP``).
* **Scratch databases:** ``CREATE DATABASE`` on the server of the URL.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine

from .base import Backup
from .base import DeployLockHandle
from .base import DialectSupport
from .base import ServerLock
from .base import Shot
from .base import autocommit_connection
from .base import driver_connection
from .base import dump_tool
from .base import run_dump
from .base import run_on_driver

if TYPE_CHECKING:
    from ..online.errors import Blocker
    from ..online.policy import LockPolicy

WATCHDOG_POLL_SECONDS = 0.01
WATCHDOG_LEAD_SECONDS = 0.02


class NamedLock(ServerLock):
    _lock_session: int | None = None

    def try_acquire(self) -> bool:
        got = self.connection.execute(sa.text("SELECT GET_LOCK(:n, 0)"), {"n": self.name})
        return got.scalar() == 1

    def unlock(self) -> None:
        self.connection.execute(sa.text("SELECT RELEASE_LOCK(:n)"), {"n": self.name})

    def held_here(self) -> bool:
        found = self.connection.execute(
            sa.text("SELECT IS_USED_LOCK(:n) = CONNECTION_ID()"), {"n": self.name}
        )
        return found.scalar() == 1

    def held_clause(self) -> sa.TextClause | None:
        # Any session can ask who holds a named lock. The lock session's id is read
        # once: a new session behind the same connection holds nothing, and the
        # condition says so.
        if self._lock_session is None:
            self._lock_session = self.session_id(driver_connection(self.connection))
        return sa.text(
            "IS_USED_LOCK(:remodel_lock_name) = :remodel_lock_session"
        ).bindparams(remodel_lock_name=self.name, remodel_lock_session=self._lock_session)

    def session_id(self, raw: Any) -> int:
        # Asked of the driver (PyMySQL and mysqlclient keep it), not the server.
        if hasattr(raw, "thread_id"):
            return int(raw.thread_id())
        return int(run_on_driver(raw, "SELECT CONNECTION_ID()")[0][0])

    def open_sessions(self, ids: list[int]) -> list[int]:
        found = self.connection.execute(
            sa.text("SELECT ID FROM information_schema.PROCESSLIST WHERE ID IN :ids").bindparams(
                sa.bindparam("ids", expanding=True)
            ),
            {"ids": ids},
        )
        return sorted(int(pid) for (pid,) in found)


class _Watched:
    """One statement under the watchdog: when to start looking at it, and whether it ended."""

    def __init__(self, shot: Shot, look_at: float) -> None:
        self.shot = shot
        self.look_at = look_at
        self.ended = threading.Event()
        self.looked_at = False  # the watching thread took it up (under the watchdog's lock)
        self.let_go = threading.Event()  # ... and is done with it


class LockWaitWatchdog:
    """Cancels a statement of *connection* that waits for a lock more than *limit_ms*.

    ``lock_wait_timeout`` counts whole seconds, and every write to a table
    queues behind an ALTER that waits for its metadata lock, so one second is
    already a stall the application notices. While a statement runs, a
    thread looks at it from a second connection every 10 ms, starting 20 ms
    before the limit (a statement that ends sooner costs no query); once it has
    waited for a lock longer than the policy allows, that one query is
    cancelled (``KILL QUERY ID``, which cannot hit a later statement) and the
    attempt counts as a lock timeout, to be retried like one.
    ``lock_wait_timeout`` stays set, rounded up, as a backstop.

    One thread serves every statement of the run: a thread started and joined
    per statement cost two thread switches each, which on a busy machine came
    to a third of a 300-revision upgrade. Arming the watch for a statement is
    a lock and, only when the thread sleeps with nothing to watch, a wake-up.
    """

    def __init__(self, connection: Connection, limit_ms: int) -> None:
        self.engine = connection.engine
        self.limit_ms = limit_ms
        self.target = int(connection.exec_driver_sql("SELECT CONNECTION_ID()").scalar() or 0)
        self._other: Connection | None = None
        self._state = threading.Condition()
        self._watched: _Watched | None = None
        self._idle = False  # the thread waits for a statement, with no deadline
        self._closed = False
        self._thread: threading.Thread | None = None

    def _connection(self) -> Connection:
        if self._other is None:
            self._other = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        return self._other

    @contextmanager
    def watching(self) -> Iterator[Shot]:
        shot = Shot()
        lead = max(self.limit_ms / 1000 - WATCHDOG_LEAD_SECONDS, 0.0)
        watched = _Watched(shot, time.monotonic() + lead)
        with self._state:
            self._watched = watched
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, daemon=True)
                self._thread.start()
            elif self._idle:
                self._state.notify()
        try:
            yield shot
        finally:
            watched.ended.set()  # before the next statement is armed: no kill reaches it
            with self._state:
                self._watched = None
                looked_at = watched.looked_at
            if looked_at:
                # A cancel may be on its way: the caller reads the shot once this returns.
                watched.let_go.wait(timeout=5)

    def _next(self) -> _Watched | None:
        """The statement that has run long enough to look at; None once closed."""
        with self._state:
            while not self._closed:
                watched = self._watched
                if watched is None:
                    self._idle = True
                    self._state.wait()
                    self._idle = False
                    continue
                left = watched.look_at - time.monotonic()
                if left <= 0:
                    watched.looked_at = True
                    return watched
                # Most statements end before this: the next one is looked at from its own start.
                self._state.wait(left)
            return None

    def _watch(self) -> None:
        while (watched := self._next()) is not None:
            self._look_at(watched)

    def _look_at(self, watched: _Watched) -> None:
        try:
            self._cancel_if_waiting(watched)
        finally:
            watched.let_go.set()

    def _cancel_if_waiting(self, watched: _Watched) -> None:
        try:
            other = self._connection()
            while not watched.ended.is_set():
                row: Any = other.exec_driver_sql(
                    "SELECT STATE, TIME_MS, QUERY_ID FROM information_schema.PROCESSLIST"
                    f" WHERE ID = {self.target}"
                ).first()
                if row is None:
                    return
                state, waited_ms, query_id = row
                if "lock" in str(state or "").lower() and float(waited_ms) >= self.limit_ms:
                    if not watched.ended.is_set():
                        # Fired before it is sent: the statement fails as soon as the
                        # server cancels it, maybe before KILL returns here.
                        watched.shot.fired = True
                        other.exec_driver_sql(f"KILL QUERY ID {int(query_id)}")
                    return
                watched.ended.wait(WATCHDOG_POLL_SECONDS)
        except Exception:  # best effort: lock_wait_timeout still bounds the wait
            return

    def close(self) -> None:
        with self._state:
            self._closed = True
            self._state.notify()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._other is not None:
            self._other.close()
            self._other = None


def _set_sql_mode(connection: Connection, mode: str) -> None:
    connection.exec_driver_sql("SET SESSION sql_mode = %s", (mode,))
    if connection.in_transaction():
        connection.commit()


class MySQLSupport(DialectSupport):
    names = ("mysql", "mariadb")
    label = "MySQL/MariaDB"
    linted = True

    online_operations = True
    indexes_foreign_keys = True
    backup_suffix = ".sql"

    def server_name(self, connection: Connection) -> str:
        if getattr(connection.dialect, "is_mariadb", False):
            return "mariadb"
        return str(connection.dialect.name)

    # -- lock timeouts --------------------------------------------------------

    supports_lock_timeouts = True
    lock_timeout_codes = frozenset({"1205"})  # ER_LOCK_WAIT_TIMEOUT, metadata and row locks

    def session_settings(self, policy: LockPolicy) -> list[str]:
        settings = []
        if policy.lock_timeout_ms:
            settings.append(self.lock_timeout_setting(policy.lock_timeout_ms))
        if policy.statement_timeout_ms:
            seconds = policy.statement_timeout_ms / 1000
            settings.append(f"SET SESSION max_statement_time = {seconds}")
        return settings

    def reset_settings(self) -> list[str]:
        return [
            "SET SESSION lock_wait_timeout = DEFAULT",
            "SET SESSION innodb_lock_wait_timeout = DEFAULT",
            "SET SESSION max_statement_time = DEFAULT",
        ]

    def lock_timeout_setting(self, ms: int) -> str:
        if ms <= 0:
            return "SET SESSION lock_wait_timeout = DEFAULT, innodb_lock_wait_timeout = DEFAULT"
        seconds = max(1, math.ceil(ms / 1000))
        return (
            f"SET SESSION lock_wait_timeout = {seconds}, innodb_lock_wait_timeout = {seconds}"
        )

    def current_lock_timeout_ms(self, connection: Connection) -> int | None:
        rows = run_on_driver(driver_connection(connection), "SELECT @@SESSION.lock_wait_timeout")
        return int(rows[0][0]) * 1000

    def needs_watchdog(self, ms: int) -> bool:
        return ms % 1000 != 0

    def lock_wait_watchdog(self, connection: Connection, ms: int) -> LockWaitWatchdog:
        return LockWaitWatchdog(connection, ms)

    runs_in_a_server_session = True

    def session_busy(self, connection: Connection, session: int) -> bool:
        busy = connection.execute(sa.text(
            "SELECT count(*) FROM information_schema.PROCESSLIST WHERE ID = :id"
            " AND COMMAND <> 'Sleep'"
        ), {"id": session}).scalar()
        return bool(busy)

    def cancel_statement(self, connection: Connection, session: int) -> None:
        connection.exec_driver_sql(f"KILL QUERY {int(session)}")  # KILL takes no bound value

    def backend_id(self, connection: Connection) -> int:
        return int(run_on_driver(driver_connection(connection), "SELECT CONNECTION_ID()")[0][0])

    def blockers(self, connection: Connection, waiting: int) -> list[Blocker]:
        from ..online.errors import Blocker

        raw = driver_connection(connection)
        try:
            # Exact when the metadata_lock_info plugin is installed: whoever
            # holds a metadata lock on a table the waiting thread wants.
            rows = run_on_driver(
                raw,
                "SELECT p.ID, p.COMMAND, coalesce(p.INFO, ''), '', p.USER"
                " FROM information_schema.METADATA_LOCK_INFO h"
                " JOIN information_schema.METADATA_LOCK_INFO w"
                "   ON w.TABLE_SCHEMA = h.TABLE_SCHEMA AND w.TABLE_NAME = h.TABLE_NAME"
                " JOIN information_schema.PROCESSLIST p ON p.ID = h.THREAD_ID"
                f" WHERE w.THREAD_ID = {int(waiting)} AND h.THREAD_ID <> {int(waiting)}"
                " GROUP BY p.ID, p.COMMAND, p.INFO, p.USER",
            )
        except Exception:
            rows = []
            raw.rollback()
        if not rows:
            # Without it: the sessions with an open InnoDB transaction, which
            # is what holds metadata locks in practice (a long read included).
            rows = run_on_driver(
                raw,
                "SELECT p.ID, p.COMMAND, coalesce(p.INFO, t.trx_query, ''),"
                " coalesce(CAST(t.trx_started AS CHAR), ''), p.USER"
                " FROM information_schema.INNODB_TRX t"
                " JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id"
                f" WHERE p.ID <> {int(waiting)} ORDER BY t.trx_started",
            )
        raw.commit()
        return [
            Blocker(int(r[0]), f"{r[1]} with a transaction open" if r[3] else str(r[1]),
                    str(r[2]), str(r[3]), str(r[4]))
            for r in rows
        ]

    # -- session guards ---------------------------------------------------------

    @contextmanager
    def strict_mode(self, connection: Connection) -> Iterator[None]:
        """Make MySQL/MariaDB refuse, not invent, values a migration does not give.

        Outside strict mode ``ALTER ... NOT NULL`` turns NULLs into ``''`` or
        ``0`` and a narrowed column cuts values with a warning; in it both
        fail. The session's own mode is restored afterwards (the connection
        goes back to the app's pool). Each SET is committed at once: a
        transaction left open before ``context.configure`` would make Alembic
        never commit.
        """
        before = connection.exec_driver_sql("SELECT @@SESSION.sql_mode").scalar()
        _set_sql_mode(
            connection, f"{before},STRICT_ALL_TABLES" if before else "STRICT_ALL_TABLES"
        )
        try:
            yield
        except BaseException:
            # The connection may be dead (Ctrl-C mid-statement, a server-side
            # kill): restoring its mode would then raise, and that error would
            # hide the one that says what happened. A dead connection is not
            # returned to the pool anyway.
            try:
                _set_sql_mode(connection, before or "")
            except Exception:
                pass
            raise
        _set_sql_mode(connection, before or "")

    # -- the deploy lock --------------------------------------------------------

    @contextmanager
    def open_deploy_lock(
        self, engine: Engine, schema: str | None = None
    ) -> Iterator[DeployLockHandle]:
        # GET_LOCK names are server-wide: one per database.
        name = f"flask-remodel:{engine.url.database}"[:64]
        with autocommit_connection(engine) as connection:
            yield NamedLock(connection, name, schema)

    # -- backups ------------------------------------------------------------------

    def backup(self, engine: Engine, path: Path) -> Backup:
        url = engine.url
        tool = dump_tool("REMODEL_MYSQL_DUMP", "mariadb-dump", "mysqldump")
        env = dict(os.environ)
        if url.password:
            env["MYSQL_PWD"] = str(url.password)  # kept off the command line
        args = [tool, "--single-transaction", "--routines", "--triggers"]
        args += ["--host", url.host or "localhost", "--port", str(url.port or 3306)]
        if url.username:
            args += ["--user", url.username]
        run_dump([*args, str(url.database)], env, path)
        client = "mariadb" if "mariadb" in Path(tool).name else "mysql"
        return Backup(
            path,
            f"{client} --host {url.host or 'localhost'} --port {url.port or 3306} "
            f"{url.database} < {path}",
        )
