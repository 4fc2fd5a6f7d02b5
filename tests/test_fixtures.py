"""The database fixtures themselves: fresh databases, dropped afterwards, no silent skips in CI."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conftest import SERVERS
from conftest import _server_unavailable
from conftest import create_database
from conftest import drop_database
from conftest import selected_backends


def test_each_test_gets_an_empty_database(database_url: str) -> None:
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    try:
        assert sa.inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", [b for b in selected_backends() if b != "sqlite"])
def test_created_databases_are_dropped(backend: str) -> None:
    url = create_database(backend)
    name = sa.engine.make_url(url).database
    drop_database(backend, url)
    engine = sa.create_engine(SERVERS[backend][0] + SERVERS[backend][1], poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            if backend == "postgresql":
                found = connection.execute(
                    sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
                ).first()
            else:
                found = connection.execute(sa.text("SHOW DATABASES LIKE :n"), {"n": name}).first()
    finally:
        engine.dispose()
    assert found is None


def test_unreachable_server_fails_under_ci_and_skips_elsewhere(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    error = sa.exc.OperationalError("connect", {}, Exception("refused"))
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="postgresql is not reachable.*pg_ctlcluster"):
        _server_unavailable("postgresql", error)
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match="mariadb is not reachable.*mariadbd"):
        _server_unavailable("mariadb", error)


def test_backends_can_be_narrowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REMODEL_TEST_BACKENDS", "sqlite, postgresql")
    assert selected_backends() == ["sqlite", "postgresql"]
    monkeypatch.setenv("REMODEL_TEST_BACKENDS", "sqlite,oracle")
    with pytest.raises(pytest.UsageError, match="oracle"):
        selected_backends()


@pytest.mark.backends("sqlite")
def test_the_backends_marker_narrows_one_test(database_url: str) -> None:
    assert database_url.startswith("sqlite")
