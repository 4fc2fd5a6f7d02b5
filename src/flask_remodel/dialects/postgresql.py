"""PostgreSQL: transactional DDL, ``lock_timeout``, advisory locks, ``pg_dump``.

* **Lock timeouts:** ``SET lock_timeout`` / ``statement_timeout`` in ms; a
  statement that times out fails with SQLSTATE 55P03 and, inside the
  revision's transaction, is undone alone by a savepoint. The blocker is
  read from ``pg_stat_activity`` and ``pg_blocking_pids()``.
* **Deploy lock:** ``pg_try_advisory_lock`` on a dedicated autocommit
  connection, never the blocking ``pg_advisory_lock``: a session blocked in
  it keeps a statement open, which a ``CREATE INDEX CONCURRENTLY`` run by the
  holder would wait for forever.
* **Backups:** ``pg_dump --format=custom`` (``REMODEL_PG_DUMP`` names another
  program); restored with ``pg_restore``.
* **Scratch databases:** made through the URL's database (or ``postgres``),
  dropped after ending the sessions still connected to them. ``lint
  --verify`` uses a scratch schema instead (:func:`scratch_schema`).
"""

from __future__ import annotations

import os
import uuid
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine

from ..retarget import current_retarget
from .base import Backup
from .base import DeployLockHandle
from .base import DialectSupport
from .base import ServerLock
from .base import autocommit_connection
from .base import driver_connection
from .base import dump_tool
from .base import run_dump
from .base import run_on_driver

if TYPE_CHECKING:
    from ..online.errors import Blocker
    from ..online.policy import LockPolicy

# One constant key: advisory locks are per database already.
ADVISORY_LOCK_KEY = 0x52454D4F44454C  # "REMODEL"


def advisory_lock_key(schema: str | None) -> int:
    """The deploy lock's key: :data:`ADVISORY_LOCK_KEY`, or one per fleet schema.

    Tenants kept as schemas of one database (``REMODEL_FLEET``) each have their
    own version table and ledger, so each gets its own lock: one constant key
    would let only one tenant upgrade at a time. Only for a fleet's schema
    target (:mod:`flask_remodel.retarget`): an app that sets
    ``version_table_schema`` itself keeps the key every release used. Two
    schema names whose CRC matches share a key, which only makes them wait for
    each other.
    """
    override = current_retarget()
    if schema is None or override is None or override.schema != schema:
        return ADVISORY_LOCK_KEY
    return (0x5245 << 48) | (zlib.crc32(schema.encode("utf-8")) << 8) | 0x53


class AdvisoryLock(ServerLock):
    _lock_session: int | None = None

    def __init__(self, connection: Connection, name: str, schema: str | None) -> None:
        super().__init__(connection, name, schema)
        # Fixed when the lock is made, in the run's context: the lock is later
        # asked through the async bridge's thread, which does not see the
        # fleet's context variable, and every question must name the same key.
        self.key = advisory_lock_key(self.table.schema)

    def try_acquire(self) -> bool:
        got = self.connection.execute(
            sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}
        )
        return bool(got.scalar())

    def unlock(self) -> None:
        self.connection.execute(
            sa.text("SELECT pg_advisory_unlock(:k)"), {"k": self.key}
        )

    def held_here(self) -> bool:
        # A bigint key shows in pg_locks as its high and low 32 bits, objsubid 1.
        found = self.connection.execute(
            sa.text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                " AND pid = pg_backend_pid() AND granted AND objsubid = 1"
                " AND classid::bigint = :hi AND objid::bigint = :lo"
            ),
            {"hi": self.key >> 32, "lo": self.key & 0xFFFFFFFF},
        )
        return bool(found.scalar())

    def held_clause(self) -> sa.TextClause | None:
        # The lock session's pid, read once: should that session end, a new one
        # behind the same connection holds nothing, and the condition says so.
        if self._lock_session is None:
            self._lock_session = self.session_id(driver_connection(self.connection))
        return sa.text(
            "EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory'"
            f" AND pid = {int(self._lock_session)} AND granted AND objsubid = 1"
            f" AND classid::bigint = {self.key >> 32}"
            f" AND objid::bigint = {self.key & 0xFFFFFFFF})"
        )

    def session_id(self, raw: Any) -> int:
        # Asked of the driver, not the server: no statement inside the revision's
        # transaction (psycopg 3: info.backend_pid; psycopg2: get_backend_pid()).
        info = getattr(raw, "info", None)
        if info is not None and hasattr(info, "backend_pid"):
            return int(info.backend_pid)
        if hasattr(raw, "get_backend_pid"):
            return int(raw.get_backend_pid())
        return int(run_on_driver(raw, "SELECT pg_backend_pid()")[0][0])

    def open_sessions(self, ids: list[int]) -> list[int]:
        found = self.connection.execute(
            sa.text("SELECT pid FROM pg_stat_activity WHERE pid IN :ids").bindparams(
                sa.bindparam("ids", expanding=True)
            ),
            {"ids": ids},
        )
        return sorted(int(pid) for (pid,) in found)


class PostgreSQLSupport(DialectSupport):
    names = ("postgresql",)
    label = "PostgreSQL"
    linted = True

    transactional_ddl = True
    writes_in_with = True
    tenant_schemas = True
    online_operations = True
    not_valid_constraints = True
    named_enum_types = True
    # A scratch database is thrown away: its commits need not wait for the disk.
    scratch_session_settings = ("SET synchronous_commit = off",)
    backup_suffix = ".dump"

    # -- lock timeouts --------------------------------------------------------

    supports_lock_timeouts = True
    lock_timeout_codes = frozenset({"55P03"})  # lock_not_available

    def session_settings(self, policy: LockPolicy) -> list[str]:
        return [
            self.lock_timeout_setting(policy.lock_timeout_ms),
            f"SET statement_timeout = {policy.statement_timeout_ms}",
        ]

    def reset_settings(self) -> list[str]:
        return ["RESET lock_timeout", "RESET statement_timeout"]

    def lock_timeout_setting(self, ms: int) -> str:
        return f"SET lock_timeout = {int(ms)}"

    def current_lock_timeout_ms(self, connection: Connection) -> int | None:
        rows = run_on_driver(
            driver_connection(connection),
            "SELECT setting FROM pg_settings WHERE name = 'lock_timeout'",
        )
        return int(rows[0][0])  # pg_settings gives lock_timeout in ms

    runs_in_a_server_session = True

    def session_busy(self, connection: Connection, session: int) -> bool:
        # Not idle: a statement, or a transaction whose locks it still holds.
        busy = connection.execute(sa.text(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = :id AND state <> 'idle'"
        ), {"id": session}).scalar()
        return bool(busy)

    def cancel_statement(self, connection: Connection, session: int) -> None:
        connection.execute(sa.text("SELECT pg_cancel_backend(:id)"), {"id": session})

    def backend_id(self, connection: Connection) -> int:
        return int(run_on_driver(driver_connection(connection), "SELECT pg_backend_pid()")[0][0])

    def blockers(self, connection: Connection, waiting: int) -> list[Blocker]:
        from ..online.errors import Blocker

        rows = run_on_driver(
            driver_connection(connection),
            "SELECT pid, coalesce(state, ''), coalesce(query, ''),"
            " coalesce(to_char(xact_start, 'YYYY-MM-DD HH24:MI:SS'), ''),"
            " coalesce(usename, '') || coalesce('@' || application_name, '')"
            f" FROM pg_stat_activity WHERE pid = ANY(pg_blocking_pids({int(waiting)}))"
            " ORDER BY xact_start",
        )
        return [Blocker(int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4])) for r in rows]

    # -- the deploy lock --------------------------------------------------------

    @contextmanager
    def open_deploy_lock(
        self, engine: Engine, schema: str | None = None
    ) -> Iterator[DeployLockHandle]:
        with autocommit_connection(engine) as connection:
            yield AdvisoryLock(connection, "deploy", schema)

    # -- backups ------------------------------------------------------------------

    def backup(self, engine: Engine, path: Path) -> Backup:
        url = engine.url
        tool = dump_tool("REMODEL_PG_DUMP", "pg_dump")
        env = dict(os.environ)
        if url.password:
            env["PGPASSWORD"] = str(url.password)
        args = [tool, "--format=custom", "--no-password"]
        args += ["--host", url.host or "localhost", "--port", str(url.port or 5432)]
        if url.username:
            args += ["--username", url.username]
        run_dump([*args, str(url.database)], env, path)
        return Backup(
            path,
            f"pg_restore --clean --if-exists --no-owner --host {url.host or 'localhost'} "
            f"--port {url.port or 5432} --dbname {url.database} {path}",
        )

    # -- scratch databases ----------------------------------------------------------

    def admin_url(self, url: URL) -> URL:
        # CREATE DATABASE needs a connection to some database; 'postgres' always exists.
        return url.set(database=url.database or "postgres")

    def before_drop(self, connection: Connection, name: str) -> None:
        # A connection left open (a user's fixture, say) must not keep it alive.
        connection.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        )


@contextmanager
def scratch_schema(connection: Connection, prefix: str) -> Iterator[str]:
    """A new schema (*prefix* + 12 hex digits) as *connection*'s search path; dropped after.

    For ``lint --verify``: it needs no right to create databases, and the
    database's own tables are not touched. Explicit transactions only
    (SQLAlchemy 1.4 and 2.x behave alike).
    """
    schema = f"{prefix}{uuid.uuid4().hex[:12]}"
    with connection.begin():
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        connection.exec_driver_sql(f'SET search_path TO "{schema}"')
    try:
        yield schema
    finally:
        with connection.begin():
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
