"""Fresh databases on SQLite, PostgreSQL and MariaDB, and which backends a run uses.

Every database a test gets is new and empty, and is dropped when the test ends:

* SQLite: a file in the test's ``tmp_path`` (deleted afterwards);
* PostgreSQL: ``CREATE DATABASE remodel_<hex>`` through the ``postgres`` database,
  dropped ``WITH (FORCE)`` so a connection left open cannot keep it alive;
* MariaDB: ``CREATE DATABASE remodel_<hex>``; connections still using it are
  killed before ``DROP DATABASE`` (which would otherwise wait on their locks).

The admin work uses plain SQLAlchemy engines with ``NullPool``. A server that
cannot be reached skips the test, or fails it when ``CI=true``, with the command
that starts the server.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

ALL_BACKENDS: tuple[str, ...] = ("sqlite", "postgresql", "mariadb")
BACKENDS_ENV = "REMODEL_TEST_BACKENDS"

# SQLAlchemy 1.4 (the minimum-versions leg) has no dialect for psycopg 3.
_SA_MAJOR = int(sa.__version__.split(".")[0])
_PG_DRIVER = "psycopg" if _SA_MAJOR >= 2 else "psycopg2"


@dataclass(frozen=True)
class Server:
    """A database server the tests create their databases on."""

    backend: str
    url: str  # without a database name
    admin_database: str  # the database the admin connection opens ("" for none)
    start: str  # the command that starts the server on the test machine

    def url_for(self, database: str) -> str:
        return self.url + database


SERVERS: dict[str, Server] = {
    "postgresql": Server(
        "postgresql",
        f"postgresql+{_PG_DRIVER}://postgres@127.0.0.1:5432/",
        "postgres",
        "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    ),
    "mariadb": Server(
        "mariadb",
        "mysql+pymysql://root@127.0.0.1:3306/",
        "",
        "start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd",
    ),
}


# Each registered module of flask_remodel.dialects (by its main name) and the backend
# its contract test (tests/dialects/test_contract.py) runs on, with the query that
# asks that server its version in its own words. A database added to the registry
# needs an entry here (see docs/adding-a-database.md); the contract test fails
# until it has one.
DIALECT_BACKENDS: dict[str, str] = {
    "postgresql": "postgresql",
    "mysql": "mariadb",
    "sqlite": "sqlite",
}
VERSION_QUERIES: dict[str, str] = {
    "postgresql": "SHOW server_version",
    "mariadb": "SELECT VERSION()",
    "sqlite": "SELECT sqlite_version()",
}


def server(backend: str) -> Server:
    """The server of *backend* (looked up on each call, so tests can monkeypatch SERVERS)."""
    return SERVERS[backend]


def selected_backends() -> list[str]:
    """The backends named in ``REMODEL_TEST_BACKENDS`` (a comma list), default all three."""
    wanted = os.environ.get(BACKENDS_ENV, "")
    names = [name.strip().lower() for name in wanted.split(",") if name.strip()]
    if not names:
        return list(ALL_BACKENDS)
    check_backend_names(names, f"{BACKENDS_ENV}={wanted!r}")
    return list(dict.fromkeys(names))


def check_backend_names(names: list[str] | tuple[str, ...], where: str) -> None:
    unknown = [name for name in names if name not in ALL_BACKENDS]
    if unknown:
        raise pytest.UsageError(
            f"{where} names unknown backends {unknown}; known: {', '.join(ALL_BACKENDS)}"
        )


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def server_unavailable(backend: str, reason: str) -> None:
    """Skip the test, or fail it under ``CI=true``: CI must not pass by skipping."""
    found = server(backend)
    message = f"{backend} server not usable at {found.url} ({reason}). Start it with: {found.start}"
    if in_ci():
        pytest.fail(f"{message} [CI=true: an unreachable server fails the run]", pytrace=False)
    pytest.skip(message)


def _short(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"


def admin_engine(backend: str) -> sa.engine.Engine:
    """An autocommit, NullPool engine on *backend*'s server (its admin database)."""
    found = server(backend)
    return sa.create_engine(
        found.url_for(found.admin_database),
        poolclass=sa.pool.NullPool,
        isolation_level="AUTOCOMMIT",
        connect_args={"connect_timeout": 5},
    )


@contextmanager
def admin_connection(backend: str) -> Iterator[sa.engine.Connection]:
    """A connection to *backend*'s server; skips/fails the test when it is unreachable."""
    try:
        engine = admin_engine(backend)
    except ModuleNotFoundError as error:  # the DBAPI driver is not installed
        server_unavailable(backend, f"driver missing: {error}")
        raise  # not reached: skip() and fail() raise
    try:
        try:
            connection = engine.connect()
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as error:
            server_unavailable(backend, _short(error))
            raise
        with connection:
            yield connection
    finally:
        engine.dispose()


def new_database_name() -> str:
    return f"remodel_{secrets.token_hex(6)}"


def create_database(backend: str) -> str:
    """Create an empty database ``remodel_<hex>`` on *backend*'s server; return its URL."""
    name = new_database_name()
    with admin_connection(backend) as connection:
        connection.execute(sa.text(f"CREATE DATABASE {name}"))
    return server(backend).url_for(name)


def drop_database(backend: str, url: str) -> None:
    """Drop the database of *url*, even if connections to it were left open."""
    name = sa.engine.make_url(url).database
    if not name or not name.startswith("remodel_"):
        raise ValueError(f"refusing to drop {name!r}: not a test database")
    with admin_connection(backend) as connection:
        if backend == "postgresql":
            connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            return
        leftover = connection.execute(
            sa.text(
                "SELECT id FROM information_schema.processlist"
                " WHERE db = :name AND id <> CONNECTION_ID()"
            ),
            {"name": name},
        ).scalars()
        for thread in list(leftover):
            try:
                connection.execute(sa.text(f"KILL CONNECTION {int(thread)}"))
            except sa.exc.DBAPIError:
                pass  # it ended on its own meanwhile
        connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))


def database_exists(backend: str, url: str) -> bool:
    """Whether the database of *url* exists (for SQLite: whether its file does)."""
    database = sa.engine.make_url(url).database or ""
    if backend == "sqlite":
        return Path(database).exists()
    with admin_connection(backend) as connection:
        if backend == "postgresql":
            query = "SELECT 1 FROM pg_database WHERE datname = :name"
        else:
            query = "SELECT 1 FROM information_schema.schemata WHERE schema_name = :name"
        return connection.execute(sa.text(query), {"name": database}).first() is not None


@contextmanager
def fresh_database(backend: str, folder: Path, label: str = "app") -> Iterator[str]:
    """A new, empty database on *backend* for the duration of the block; its URL.

    This is what the ``database_url`` fixture runs. SQLite files go in *folder*
    as ``<label>.db``; server databases are always named ``remodel_<hex>``.
    """
    if backend not in ALL_BACKENDS:
        raise ValueError(f"unknown backend {backend!r}")
    if backend == "sqlite":
        path = folder / f"{label}.db"
        if path.exists():
            raise FileExistsError(f"{path} exists: give each database its own label")
        sqlite3.connect(path).close()  # an empty database file
        try:
            yield f"sqlite:///{path}"
        finally:
            for suffix in ("", "-journal", "-wal", "-shm"):
                path.with_name(path.name + suffix).unlink(missing_ok=True)
        return
    url = create_database(backend)
    try:
        yield url
    finally:
        drop_database(backend, url)
