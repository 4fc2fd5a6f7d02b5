"""Databases for the tests: SQLite, PostgreSQL and MariaDB, one fresh database per test.

``database_url`` runs a test once per backend. The backends come from
``REMODEL_TEST_BACKENDS`` (default: all three); ``@pytest.mark.backends(...)``
narrows one test. With ``CI=true`` a server that cannot be reached fails the
test; elsewhere it is skipped with the command that starts it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from projects import ProjectFactory

ALL_BACKENDS = ("sqlite", "postgresql", "mariadb")
# SQLAlchemy 1.4 (the minimum-versions leg) has no psycopg 3 dialect.
_PG_DRIVER = "psycopg" if sa.__version__ >= "2" else "psycopg2"
SERVERS = {
    "postgresql": (
        f"postgresql+{_PG_DRIVER}://postgres@127.0.0.1:5432/",
        "postgres",
        "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    ),
    "mariadb": (
        "mysql+pymysql://root@127.0.0.1:3306/",
        "",
        "start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd",
    ),
}


def selected_backends() -> list[str]:
    wanted = os.environ.get("REMODEL_TEST_BACKENDS")
    if not wanted:
        return list(ALL_BACKENDS)
    names = [name.strip() for name in wanted.split(",") if name.strip()]
    unknown = sorted(set(names) - set(ALL_BACKENDS))
    if unknown:
        raise pytest.UsageError(f"REMODEL_TEST_BACKENDS names unknown backends: {unknown}")
    return names


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "database_url" not in metafunc.fixturenames:
        return
    backends = selected_backends()
    marker = metafunc.definition.get_closest_marker("backends")
    if marker is not None:
        backends = [b for b in backends if b in marker.args]
    metafunc.parametrize("database_url", backends, indirect=True, ids=backends)


def _server_unavailable(backend: str, error: Exception) -> None:
    url, _, start = SERVERS[backend]
    message = (
        f"{backend} is not reachable at {url} ({type(error).__name__}); start it with: {start}"
    )
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def admin_engine(backend: str) -> sa.engine.Engine:
    url, admin_database, _ = SERVERS[backend]
    return sa.create_engine(
        url + admin_database, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT"
    )


def create_database(backend: str) -> str:
    """Create an empty database on *backend*'s server and return its URL."""
    name = f"remodel_{uuid.uuid4().hex[:12]}"
    engine = admin_engine(backend)
    try:
        with engine.connect() as connection:
            connection.execute(sa.text(f"CREATE DATABASE {name}"))
    finally:
        engine.dispose()
    return SERVERS[backend][0] + name


def drop_database(backend: str, url: str) -> None:
    name = sa.engine.make_url(url).database
    force = " WITH (FORCE)" if backend == "postgresql" else ""  # drops leftover sessions
    engine = admin_engine(backend)
    try:
        with engine.connect() as connection:
            connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name}{force}"))
    finally:
        engine.dispose()


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a fresh, empty database on the backend this test runs on."""
    backend: str = request.param
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'app.db'}"
        return
    try:
        url = create_database(backend)
    except sa.exc.OperationalError as error:
        _server_unavailable(backend, error)
        raise  # unreachable: fail() and skip() raise
    except ModuleNotFoundError as error:
        _server_unavailable(backend, error)
        raise
    try:
        yield url
    finally:
        drop_database(backend, url)


@pytest.fixture
def project_factory(database_url: str, tmp_path: Path) -> Iterator[ProjectFactory]:
    """Flask apps over one database and migrations folder (see tests/projects.py)."""
    factory = ProjectFactory(database_url, tmp_path)
    yield factory
    factory.dispose()
