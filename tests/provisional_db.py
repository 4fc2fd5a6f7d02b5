"""PROVISIONAL until the shared tests/conftest.py provides database_url."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

_PG_DRIVER = "psycopg" if sa.__version__ >= "2" else "psycopg2"
_SERVERS = {
    "postgresql": f"postgresql+{_PG_DRIVER}://postgres@127.0.0.1:5432/",
    "mariadb": "mysql+pymysql://root@127.0.0.1:3306/",
}


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    backend = request.param
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'app.db'}"
        return
    name = f"remodel_{uuid.uuid4().hex[:12]}"
    server = sa.create_engine(
        _SERVERS[backend] + ("postgres" if backend == "postgresql" else ""),
        poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT",
    )
    with server.connect() as connection:
        connection.execute(sa.text(f"CREATE DATABASE {name}"))
    yield _SERVERS[backend] + name
    with server.connect() as connection:
        force = " WITH (FORCE)" if backend == "postgresql" else ""
        connection.execute(sa.text(f"DROP DATABASE {name}{force}"))
    server.dispose()
