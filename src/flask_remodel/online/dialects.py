"""What each database needs for lock timeouts: how to set them, spot them, and name the blocker.

One class per database family in a registry keyed by SQLAlchemy dialect name;
a database with no entry (SQLite) gets no timeouts, since its DDL takes the
whole database's write lock and has no lock queue for writers to stall in.
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from ..sqlite._driver import driver_connection
from .errors import Blocker
from .policy import LockPolicy


def _run(raw: Any, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
    """Run *sql* on the driver connection, past SQLAlchemy (no transaction, no events)."""
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


class DialectSupport:
    """Lock-timeout handling for one database family."""

    transactional_ddl = False
    """Whether a failed statement can be undone with a savepoint and tried again."""

    lock_timeout_codes: frozenset[str] = frozenset()

    def session_settings(self, policy: LockPolicy) -> list[str]:
        raise NotImplementedError

    def effective_lock_timeout_ms(self, ms: int) -> int:
        """The wait the server really allows for a configured *ms*."""
        return ms

    def needs_watchdog(self, ms: int) -> bool:
        """Whether the server cannot count *ms* itself (see :mod:`.watchdog`)."""
        return False

    def reset_settings(self) -> list[str]:
        raise NotImplementedError

    def lock_timeout_setting(self, ms: int) -> str:
        raise NotImplementedError

    def backend_id(self, connection: Connection) -> int:
        raise NotImplementedError

    def blockers(self, connection: Connection, waiting: int) -> list[Blocker]:
        raise NotImplementedError

    def apply(self, connection: Connection, statements: list[str]) -> None:
        """Run session statements on the driver connection and commit them, so no
        transaction is left open for Alembic to mistake for the app's."""
        raw = driver_connection(connection)
        for sql in statements:
            _run(raw, sql)
        raw.commit()

    def is_lock_timeout(self, exc: BaseException) -> bool:
        return isinstance(exc, DBAPIError) and driver_error_code(exc) in self.lock_timeout_codes


class PostgreSQLSupport(DialectSupport):
    transactional_ddl = True
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

    def backend_id(self, connection: Connection) -> int:
        return int(_run(driver_connection(connection), "SELECT pg_backend_pid()")[0][0])

    def blockers(self, connection: Connection, waiting: int) -> list[Blocker]:
        rows = _run(
            driver_connection(connection),
            "SELECT pid, coalesce(state, ''), coalesce(query, ''),"
            " coalesce(to_char(xact_start, 'YYYY-MM-DD HH24:MI:SS'), ''),"
            " coalesce(usename, '') || coalesce('@' || application_name, '')"
            f" FROM pg_stat_activity WHERE pid = ANY(pg_blocking_pids({int(waiting)}))"
            " ORDER BY xact_start",
        )
        return [Blocker(int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4])) for r in rows]


class MariaDBSupport(DialectSupport):
    """MariaDB and MySQL.

    ``lock_wait_timeout`` bounds waits for metadata locks, which every ALTER
    needs and which queue every later statement on the table behind it;
    ``innodb_lock_wait_timeout`` bounds row-lock waits (UPDATEs in data
    migrations). Both count whole seconds, so they are set rounded up (0
    would mean "never wait", and an ALTER on a table with any traffic would
    then never start), and :mod:`.watchdog` cancels a metadata-lock wait at
    the configured milliseconds.
    """

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

    def needs_watchdog(self, ms: int) -> bool:
        return ms % 1000 != 0

    def lock_timeout_setting(self, ms: int) -> str:
        if ms <= 0:
            return "SET SESSION lock_wait_timeout = DEFAULT, innodb_lock_wait_timeout = DEFAULT"
        seconds = max(1, math.ceil(ms / 1000))
        return (
            f"SET SESSION lock_wait_timeout = {seconds}, innodb_lock_wait_timeout = {seconds}"
        )

    def backend_id(self, connection: Connection) -> int:
        return int(_run(driver_connection(connection), "SELECT CONNECTION_ID()")[0][0])

    def blockers(self, connection: Connection, waiting: int) -> list[Blocker]:
        raw = driver_connection(connection)
        try:
            # Exact when the metadata_lock_info plugin is installed: whoever
            # holds a metadata lock on a table the waiting thread wants.
            rows = _run(
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
            rows = _run(
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


_SUPPORT: dict[str, DialectSupport] = {
    "postgresql": PostgreSQLSupport(),
    "mysql": MariaDBSupport(),
    "mariadb": MariaDBSupport(),
}


def dialect_support(dialect_name: str) -> DialectSupport | None:
    """The lock-timeout support for *dialect_name*, or ``None`` where there is none."""
    return _SUPPORT.get(dialect_name)
