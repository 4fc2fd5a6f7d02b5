"""What every database module fills in, and what an unknown database gets.

:class:`DialectSupport` holds, in one place, everything Flask-Remodel does
differently per database outside the lint rules and Alembic's rendering:

* **capabilities** read elsewhere instead of comparing dialect names
  (``transactional_ddl``, ``alters_by_rebuild`` ...);
* **lock timeouts** (:mod:`flask_remodel.online.statements` runs them);
* **session guards** around a migration run (SQLite's real transactions,
  MariaDB/MySQL's strict mode);
* **the deploy lock** (:mod:`flask_remodel.deploy.locks` polls it);
* **backups** (``upgrade --backup``);
* **scratch databases** (``flask db test``, ``lint --verify`` on MariaDB/MySQL);
* **the server's version** (the linter's target).

The defaults here are those of a database Flask-Remodel knows nothing about:
no lock timeouts, no deploy lock (a run cannot tell another instance is
running), backups refused with a clear error, DDL assumed not transactional,
and a scratch database made with a plain ``CREATE DATABASE``. A database
module overrides what its database does better.

Nothing here imports Flask or Alembic.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from collections.abc import Mapping
from contextlib import AbstractContextManager
from contextlib import contextmanager
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.engine import URL
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from ..async_bridge import on_bridge_loop
from ..errors import ScratchDatabaseError
from ..urls import mask_passwords
from ..urls import mask_url

if TYPE_CHECKING:
    from ..online.errors import Blocker
    from ..online.policy import LockPolicy

SCRATCH_PREFIX = "remodel_test_"
"""Names of the scratch databases ``flask db test`` makes (``remodel_test_<hex>``)."""


# -- the driver connection ----------------------------------------------------


def driver_connection(connection: Connection) -> Any:
    """The DB-API connection under *connection* (sqlite3, psycopg, PyMySQL ...).

    For an async driver (aiosqlite, asyncpg) that is SQLAlchemy's adapter, whose
    DB-API methods work where the driver's own connection, all coroutines
    (``driver_connection``), does not; for every other driver the two are one
    object. SQLAlchemy 2.x names it ``dbapi_connection``; 1.4 calls it ``.connection``.
    """
    pooled = connection.connection
    found = getattr(pooled, "dbapi_connection", None)
    return found if found is not None else pooled.connection


def run_on_driver(raw: Any, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
    """Run *sql* on the driver connection *raw*, past SQLAlchemy; its rows.

    Going around SQLAlchemy keeps these statements from starting a SQLAlchemy
    transaction or reaching the app's cursor listeners.
    """
    cursor = raw.cursor()
    try:
        cursor.execute(sql, params) if params is not None else cursor.execute(sql)
        return [tuple(row) for row in cursor.fetchall()] if cursor.description else []
    finally:
        cursor.close()


def driver_error_code(exc: BaseException) -> str:
    """The SQLSTATE (PostgreSQL) or error number (MySQL) of a driver error, as text."""
    orig = getattr(exc, "orig", exc)
    args = getattr(orig, "args", ())
    if args and isinstance(args[0], int):  # PyMySQL: (errno, message); it has a sqlstate too
        return str(args[0])
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return str(code) if code else ""


def first_line(exc: BaseException) -> str:
    """The first line of a driver error's message, passwords masked."""
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return mask_passwords(text[0] if text else type(exc).__name__)


# -- lock timeouts --------------------------------------------------------------


@dataclass
class Shot:
    """Whether a lock-wait watchdog cancelled the statement of one attempt."""

    fired: bool = False


class LockWaitWatchdog(Protocol):
    """Cancels a statement that waits for a lock longer than the policy allows."""

    def watching(self) -> AbstractContextManager[Shot]: ...
    def close(self) -> None: ...


# -- the deploy lock ------------------------------------------------------------


class DeployLockHandle(Protocol):
    """One try at the database's deploy lock, and where its holder is written down.

    :mod:`flask_remodel.deploy.locks` polls :meth:`try_acquire` (it must
    never block inside the server) and turns the details into a ``Holder``.
    """

    def try_acquire(self) -> bool: ...
    def unlock(self) -> None: ...
    def record(self, details: Mapping[str, Any]) -> None: ...
    def details(self) -> Mapping[str, Any] | None: ...
    def forget(self) -> None: ...
    def still_held(self) -> bool:
        """Whether this handle holds the lock now (False once its session has ended)."""
        ...
    def note_session(self, connection: Connection) -> None:
        """Write down *connection*'s server session as one the holder works through."""
        ...
    def live_sessions(self, details: Mapping[str, Any]) -> list[int]:
        """Which sessions a (former) holder's *details* name are still open on the server."""
        ...
    def held_clause(self) -> sa.TextClause | None:
        """A SQL condition, true while this handle holds the lock, that any session of the
        database can evaluate; None where there is none (then :meth:`still_held` asks)."""
        ...


class NoLock:
    """No deploy lock: in-memory SQLite (one process) or a database without one we know."""

    def try_acquire(self) -> bool:
        return True

    def unlock(self) -> None:
        pass

    def record(self, details: Mapping[str, Any]) -> None:
        pass

    def details(self) -> Mapping[str, Any] | None:
        return None

    def forget(self) -> None:
        pass

    def still_held(self) -> bool:
        return True

    def note_session(self, connection: Connection) -> None:
        pass

    def live_sessions(self, details: Mapping[str, Any]) -> list[int]:
        return []

    def held_clause(self) -> sa.TextClause | None:
        return None


class ServerLock:
    """A session lock on a dedicated autocommit connection; the holder in ``remodel_lock``.

    A subclass says how to try, check and release the lock on
    :attr:`connection`, and how to name a server session. The holder's
    details go in the one-row-per-lock table on the same connection, so a
    waiting instance can say whom it waits for.

    The row also lists the server sessions the holder works through (its
    migration connection among them). The lock dies with its own session,
    which an administrator, an idle timeout or a pooler can end while the
    holder's work goes on in another: a waiter that then gets the lock reads
    those sessions and waits while any is still open (:meth:`live_sessions`),
    instead of taking the holder for dead.
    """

    def __init__(self, connection: Connection, name: str, schema: str | None) -> None:
        from ..deploy.tables import lock_table

        self.connection = connection
        self.name = name
        self.table = lock_table(schema)
        self._mine: dict[str, Any] | None = None  # the details this handle recorded
        self._sessions: list[int] = []
        # Driver connections already looked at, kept so that an id is not reused
        # by a new connection while the lock is held.
        self._seen: dict[int, Any] = {}
        self._lost = False

    def try_acquire(self) -> bool:
        raise NotImplementedError

    def unlock(self) -> None:
        raise NotImplementedError

    def held_here(self) -> bool:
        """Whether this connection's session holds the lock (may raise a driver error)."""
        raise NotImplementedError

    def session_id(self, raw: Any) -> int:
        """The server's id of the session of driver connection *raw*."""
        raise NotImplementedError

    def held_clause(self) -> sa.TextClause | None:
        return None  # a database whose locks other sessions cannot see

    def open_sessions(self, ids: list[int]) -> list[int]:
        """Which of the session *ids* are open on the server now."""
        raise NotImplementedError

    def still_held(self) -> bool:
        if self._lost:
            return False
        try:
            held = self.held_here()
        except DBAPIError:
            held = False
            self._reset()
        # Once lost, never trusted again: the connection may reconnect to a new
        # session, which holds nothing and is not in autocommit mode.
        self._lost = not held
        return held

    def _reset(self) -> None:
        try:
            self.connection.rollback()
        except Exception:  # already unusable: the next statement says so
            pass

    def record(self, details: Mapping[str, Any]) -> None:
        self._mine = dict(details)
        self._sessions = []
        self.table.create(self.connection, checkfirst=True)
        try:
            self._replace()
        except DBAPIError:
            columns = {c["name"] for c in sa.inspect(self.connection).get_columns(
                self.table.name, schema=self.table.schema
            )}
            if "sessions" in columns:
                raise
            # Written by a release without the column. The table only ever holds
            # the current holder's row, and we hold the lock: rebuilt as it is now.
            self.table.drop(self.connection)
            self.table.create(self.connection)
            self._replace()

    def _replace(self) -> None:
        assert self._mine is not None
        self.connection.execute(self.table.delete().where(self.table.c.name == self.name))
        self.connection.execute(
            self.table.insert().values(name=self.name, sessions="", **self._mine)
        )

    def _own_row(self) -> Any:
        """The row this handle wrote, and no later holder's."""
        assert self._mine is not None
        c = self.table.c
        return sa.and_(
            c.name == self.name, c.host == self._mine.get("host"),
            c.pid == self._mine.get("pid"), c.since == self._mine.get("since"),
        )

    def note_session(self, connection: Connection) -> None:
        if self._mine is None or self._lost or connection is self.connection:
            return
        raw = driver_connection(connection)
        if id(raw) in self._seen:
            return
        self._seen[id(raw)] = raw
        try:
            session = self.session_id(raw)
        except Exception:  # an unknown driver: the row lists what it can
            return
        if session in self._sessions:
            return
        self._sessions.append(session)
        # The session id is the caller's to read (its connection may belong to an
        # env.py's own event loop); the lock's connection belongs to the bridge's.
        on_bridge_loop(self._write_sessions)

    def _write_sessions(self) -> None:
        try:
            self.connection.execute(
                self.table.update().where(self._own_row()).values(
                    sessions=",".join(str(s) for s in self._sessions)
                )
            )
        except DBAPIError:
            self._reset()  # the lock's session ended: still_held() tells the holder

    def live_sessions(self, details: Mapping[str, Any]) -> list[int]:
        ids = [int(s) for s in str(details.get("sessions") or "").split(",") if s.strip()]
        return self.open_sessions(ids) if ids else []

    def details(self) -> Mapping[str, Any] | None:
        try:
            row = self.connection.execute(
                sa.select(self.table).where(self.table.c.name == self.name)
            ).mappings().first()
        except DBAPIError:  # no table yet: the holder has not written it
            self._reset()
            return None
        return dict(row) if row is not None else None

    def forget(self) -> None:
        if self._mine is None:
            return
        # Only our own row: after a lost lock, a waiter may have written its own.
        # Deleting ours tells a waiter that waits for our sessions that we stopped.
        forget = self.table.delete().where(self._own_row())
        try:
            if self._lost:
                with autocommit_connection(self.connection.engine) as connection:
                    connection.execute(forget)
            else:
                self.connection.execute(forget)
        except DBAPIError:
            self._reset()  # the lock is released with the connection anyway
        self._mine = None


@contextmanager
def autocommit_connection(engine: Engine) -> Iterator[Connection]:
    """A dedicated connection in autocommit mode (the deploy lock's own)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        yield connection


# -- backups ----------------------------------------------------------------------


@dataclass(frozen=True)
class Backup:
    path: Path
    restore: str
    """The command (or step) that puts the backup back."""

    def describe(self) -> str:
        return f"Backup written to {self.path}. To restore it: {self.restore}"


def private_file(path: Path) -> int:
    """Create *path* with mode 0600 before anything is written to it (a dump holds every row)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.fchmod(fd, 0o600)  # whatever the umask
    return fd


def dump_tool(variable: str, *names: str) -> str:
    """The dump program: the one *variable* names, else the first of *names* on PATH."""
    from ..deploy.errors import BackupToolMissingError

    chosen = os.environ.get(variable)
    if chosen:
        found = shutil.which(chosen)
        if found is None:
            raise BackupToolMissingError(chosen, variable)
        return found
    for name in names:
        found = shutil.which(name)
        if found is not None:
            return found
    raise BackupToolMissingError(names[0], variable)


def run_dump(command: list[str], env: dict[str, str], path: Path) -> None:
    """Run a dump *command* whose output goes to the new private file *path*."""
    from ..deploy.errors import BackupError

    fd = private_file(path)
    try:
        with os.fdopen(fd, "wb") as out:
            done = subprocess.run(command, stdout=out, stderr=subprocess.PIPE, env=env)
    except OSError as exc:
        path.unlink(missing_ok=True)
        raise BackupError(f"{command[0]} could not run: {exc}") from exc
    if done.returncode != 0:
        path.unlink(missing_ok=True)
        message = done.stderr.decode(errors="replace").strip().splitlines()
        raise BackupError(
            f"{Path(command[0]).name} exited {done.returncode}: "
            f"{mask_passwords(message[0] if message else '')}"
        )


# -- the support --------------------------------------------------------------------


class DialectSupport:
    """What Flask-Remodel does on one database family; the defaults fit an unknown one.

    One instance per database module, registered under every SQLAlchemy
    dialect name it serves (:attr:`names`); :func:`flask_remodel.dialects.dialect_for`
    finds it. An unregistered dialect name gets a plain ``DialectSupport``.
    """

    names: tuple[str, ...] = ()
    """The SQLAlchemy dialect names this module serves (``mysql`` and ``mariadb`` share one)."""

    family: str = ""
    """The name the lint rules and online operations use for the family (default: :attr:`name`)."""

    label: str = ""
    """How the docs name the family (``MySQL/MariaDB``; default: :attr:`name`)."""

    linted: bool = False
    """Whether the linter has rules for it (``--target`` accepts its names)."""

    # -- capabilities ---------------------------------------------------------

    transactional_ddl: bool = False
    writes_in_with: bool = False
    """Whether a ``WITH`` clause may hold an UPDATE (so one statement can close
    a ledger row and open the next)."""
    """Whether a failed revision's DDL rolls back (a savepoint can undo one statement).

    Unknown: assume not, so a failure says some of it may have been kept."""

    online_operations: bool = False
    """Whether the ``op.*_online`` operations have an online form here (else plain Alembic)."""

    not_valid_constraints: bool = False
    """``ADD CONSTRAINT ... NOT VALID`` then ``VALIDATE``: a CHECK added without a long lock."""

    named_enum_types: bool = False
    """Enums are types of their own (``CREATE TYPE``), created and dropped apart from tables."""

    indexes_foreign_keys: bool = False
    """The server makes an index for each foreign key that has none, named after it."""

    alters_by_rebuild: bool = False
    """Altering a column or constraint means rebuilding the table (Alembic's batch mode)."""

    database_write_lock: bool = False
    """A write locks the whole database, so batching a backfill frees no one."""

    integer_primary_key_numbers_itself: bool = False
    """An INTEGER PRIMARY KEY gets its values without autoincrement or a default."""

    scratch_session_settings: tuple[str, ...] = ()
    """Run on each connection to a scratch database: checks on, durability off."""

    backup_suffix: str = ""
    """The file name ending of a backup (``.dump``)."""

    def __init__(self, name: str | None = None) -> None:
        self.name = name or (self.names[0] if self.names else "")
        """The main dialect name (``mysql`` for MySQL and MariaDB)."""
        if name is not None and not self.names:
            self.names = (name,)
        self.family = self.family or self.name
        self.label = self.label or self.name

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {'/'.join(self.names) or '?'}>"

    # -- the server -------------------------------------------------------------

    def server_version(self, connection: Connection) -> tuple[int, ...] | None:
        """The server's version (major, minor, patch), or ``None`` when it says none."""
        found = getattr(connection.dialect, "server_version_info", None) or ()
        parts = tuple(v for v in found if isinstance(v, int))[:3]
        return parts or None

    def server_name(self, connection: Connection) -> str:
        """The name of the server at the other end (``mariadb`` behind a ``mysql`` URL)."""
        return str(connection.dialect.name)

    # -- lock timeouts ------------------------------------------------------------

    supports_lock_timeouts: bool = False
    """Whether the server can bound a statement's wait for a lock (the rest of this
    section is used only when it can)."""

    lock_timeout_codes: frozenset[str] = frozenset()
    """Driver error codes that mean "gave up waiting for a lock"."""

    def session_settings(self, policy: LockPolicy) -> list[str]:
        """The statements that set the session's lock and statement timeouts."""
        return []

    def reset_settings(self) -> list[str]:
        """The statements that put the session's timeouts back to the server's defaults."""
        return []

    def lock_timeout_setting(self, ms: int) -> str:
        """The statement that sets the lock timeout alone (``0``: wait as long as it takes)."""
        raise NotImplementedError(f"no lock timeouts on {self.name}")

    def current_lock_timeout_ms(self, connection: Connection) -> int | None:
        """The session's lock timeout now, in ms (``None`` where there is none)."""
        return None

    def effective_lock_timeout_ms(self, ms: int) -> int:
        """The wait the server really allows for a configured *ms*."""
        return ms

    def needs_watchdog(self, ms: int) -> bool:
        """Whether the server cannot count *ms* itself (see :meth:`lock_wait_watchdog`)."""
        return False

    def lock_wait_watchdog(self, connection: Connection, ms: int) -> LockWaitWatchdog:
        """A watchdog cancelling a statement of *connection* that waits longer than *ms*."""
        raise NotImplementedError(f"no lock-wait watchdog on {self.name}")

    runs_in_a_server_session: bool = False
    """Statements run in a server session that can outlive its client (not SQLite's)."""

    def session_busy(self, connection: Connection, session: int) -> bool:
        """Whether server session *session* still runs something (asked on *connection*)."""
        raise NotImplementedError(f"{self.label} runs no server session")

    def cancel_statement(self, connection: Connection, session: int) -> None:
        """Cancel the statement session *session* runs (only it: the session stays)."""
        raise NotImplementedError(f"{self.label} runs no server session")

    def backend_id(self, connection: Connection) -> int:
        """The server's id of *connection*'s session (to find who blocks it)."""
        raise NotImplementedError(f"no session ids on {self.name}")

    def blockers(self, connection: Connection, waiting: int) -> list[Blocker]:
        """The sessions holding a lock session *waiting* waits for, seen from *connection*."""
        return []

    def apply(self, connection: Connection, statements: list[str]) -> None:
        """Run session statements on the driver connection and commit them, so no
        transaction is left open for Alembic to mistake for the app's."""
        raw = driver_connection(connection)
        for sql in statements:
            run_on_driver(raw, sql)
        raw.commit()

    def is_lock_timeout(self, exc: BaseException) -> bool:
        return isinstance(exc, DBAPIError) and driver_error_code(exc) in self.lock_timeout_codes

    # -- session guards ------------------------------------------------------------

    database_is_a_file: bool = False
    """Whether the database is a local file (no server that could be down)."""

    tenant_schemas: bool = False
    """Whether a fleet target (``REMODEL_FLEET``) may be a schema of one database,
    chosen with ``search_path`` on each connection (PostgreSQL)."""

    has_migration_session: bool = False
    """Whether migrations need the SQLite layer's session to run in real transactions
    (:func:`flask_remodel.sqlite.sqlite_migration_session`, which the runner enters for
    every connection and which does nothing elsewhere; old env.py files get it through
    their engine too)."""

    migration_session_options: Mapping[str, Any] = {}
    """``context.configure`` arguments that hold only inside that session."""

    def strict_mode(self, connection: Connection) -> AbstractContextManager[None]:
        """Around a migration run: the server refuses, not invents, values it is not given."""
        return nullcontext()

    # -- the deploy lock -------------------------------------------------------------

    def open_deploy_lock(
        self, engine: Engine, schema: str | None = None
    ) -> AbstractContextManager[DeployLockHandle]:
        """The deploy lock of *engine*'s database, not yet tried.

        Unknown databases have none: every instance gets it at once.
        """
        return nullcontext(NoLock())

    # -- backups ----------------------------------------------------------------------

    def backup(self, engine: Engine, path: Path) -> Backup:
        """Copy *engine*'s database to the new file *path*; how to restore it."""
        from ..deploy.errors import BackupError

        raise BackupError(f"--backup does not know how to back up a {self.name} database")

    # -- scratch databases ---------------------------------------------------------------

    def admin_url(self, url: URL) -> URL:
        """Where ``CREATE DATABASE`` runs, on *url*'s server."""
        return url.set(database=None)

    def before_drop(self, connection: Connection, name: str) -> None:
        """On the admin connection, before ``DROP DATABASE`` *name*."""

    def scratch_database(
        self, url: str | URL, prefix: str = SCRATCH_PREFIX
    ) -> AbstractContextManager[URL]:
        """A new empty database beside *url* (same server, same credentials); its URL.

        Named *prefix* + 12 hex digits, dropped when the block ends, also after
        an error; the URL's own database is never written to. Server databases
        are made through a short-lived autocommit connection (``CREATE
        DATABASE`` cannot run in a transaction on PostgreSQL).
        """
        return self._server_scratch(sa.engine.make_url(url), prefix)

    @contextmanager
    def _server_scratch(self, url: URL, prefix: str) -> Iterator[URL]:
        name = f"{prefix}{secrets.token_hex(6)}"
        with self._admin(url, "create") as connection:
            connection.execute(sa.text(f"CREATE DATABASE {name}"))
        try:
            yield url.set(database=name)
        finally:
            with self._admin(url, "drop") as connection:
                self.before_drop(connection, name)
                connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))

    @contextmanager
    def _admin(self, url: URL, action: str) -> Iterator[Connection]:
        engine = sa.create_engine(
            self.admin_url(url), poolclass=NullPool, isolation_level="AUTOCOMMIT"
        )
        try:
            with engine.connect() as connection:
                yield connection
        except Exception as exc:
            raise ScratchDatabaseError(mask_url(url), action, first_line(exc)) from exc
        finally:
            engine.dispose()
