"""The contract every registered database module keeps, checked on its real server.

Each test body is the same for every module of ``flask_remodel.dialects``
(parametrized over the registry, not over a list kept here): a database added
to the registry runs these at once, on the backend ``DIALECT_BACKENDS`` in
``tests/support/databases.py`` names for it, and fails until it has one.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from flask_remodel.dialects import DialectSupport
from flask_remodel.dialects import NoLock
from flask_remodel.dialects import registered_supports
from flask_remodel.online.policy import LockPolicy
from support.databases import DIALECT_BACKENDS
from support.databases import VERSION_QUERIES
from support.databases import database_exists
from support.databases import fresh_database
from support.databases import selected_backends

SUPPORTS = registered_supports()


@pytest.fixture(params=SUPPORTS, ids=[support.name for support in SUPPORTS])
def support(request: pytest.FixtureRequest) -> DialectSupport:
    found: DialectSupport = request.param
    return found


@pytest.fixture
def server(support: DialectSupport) -> str:
    """The test backend of *support* (skipped when the run leaves that backend out)."""
    backend = DIALECT_BACKENDS.get(support.name)
    if backend is None:
        pytest.fail(
            f"{support!r} is registered but has no test backend: add it to DIALECT_BACKENDS "
            "(and VERSION_QUERIES) in tests/support/databases.py; see docs/adding-a-database.md",
            pytrace=False,
        )
    if backend not in selected_backends():
        pytest.skip(f"{backend} is not among the selected backends")
    return backend


@pytest.fixture
def url(server: str, tmp_path: Path) -> Iterator[str]:
    with fresh_database(server, tmp_path) as made:
        yield made


@pytest.fixture
def engine(url: str) -> Iterator[sa.engine.Engine]:
    made = sa.create_engine(url, poolclass=NullPool)
    yield made
    made.dispose()


def test_every_registered_module_has_a_test_backend() -> None:
    missing = [s.name for s in SUPPORTS if s.name not in DIALECT_BACKENDS]
    assert missing == [], "add these to DIALECT_BACKENDS in tests/support/databases.py"
    assert {DIALECT_BACKENDS[s.name] for s in SUPPORTS} <= set(VERSION_QUERIES)


def test_lock_timeout_set_and_reset_round_trip(
    support: DialectSupport, engine: sa.engine.Engine
) -> None:
    # Whole seconds: MariaDB/MySQL count them (a watchdog does the milliseconds).
    policy = LockPolicy(lock_timeout_ms=2000, statement_timeout_ms=0)
    with engine.connect() as connection:
        before = support.current_lock_timeout_ms(connection)
        settings = support.session_settings(policy)
        if not support.supports_lock_timeouts:
            assert (settings, support.reset_settings(), before) == ([], [], None)
            return
        support.apply(connection, settings)
        assert support.current_lock_timeout_ms(connection) == 2000
        assert support.effective_lock_timeout_ms(2000) == 2000
        support.apply(connection, support.reset_settings())
        assert support.current_lock_timeout_ms(connection) == before
        assert not connection.in_transaction()  # apply() leaves nothing open for Alembic


def test_a_lock_wait_past_the_timeout_is_recognised(
    support: DialectSupport, engine: sa.engine.Engine
) -> None:
    if not support.supports_lock_timeouts:
        pytest.skip(f"{support.name} has no lock timeouts")
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE contract (id INTEGER PRIMARY KEY, n INTEGER)"))
        connection.execute(sa.text("INSERT INTO contract (id, n) VALUES (1, 0)"))
    with engine.connect() as holder, engine.connect() as waiter:
        # Transactions begun by hand and ended through their objects: SQLAlchemy
        # 1.4's connections (the minimum-versions leg) have no rollback() of their own.
        holding = holder.begin()
        holder.execute(sa.text("UPDATE contract SET n = 1 WHERE id = 1"))  # holds the row
        waiting = waiter.begin()
        support.apply(waiter, support.session_settings(LockPolicy(lock_timeout_ms=1000)))
        with pytest.raises(sa.exc.DBAPIError) as caught:
            waiter.execute(sa.text("UPDATE contract SET n = 2 WHERE id = 1"))
        assert support.is_lock_timeout(caught.value), caught.value
        assert not support.is_lock_timeout(RuntimeError("not a driver error"))
        holding.rollback()
        waiting.rollback()
        support.apply(waiter, support.reset_settings())


def test_deploy_lock_acquire_release_and_contention(
    support: DialectSupport, engine: sa.engine.Engine
) -> None:
    details = {"command": "upgrade", "target": "head", "host": "web-1", "pid": 42,
               "since": "2026-12-02 14:02:03 UTC"}
    with support.open_deploy_lock(engine) as first, support.open_deploy_lock(engine) as second:
        assert not isinstance(first, NoLock), "a registered database needs a deploy lock"
        assert second.details() is None
        assert first.try_acquire()
        assert not second.try_acquire()  # held: the other instance waits
        first.record(details)
        seen = second.details()
        assert seen is not None and {k: seen[k] for k in details} == details
        first.forget()
        assert second.details() is None
        first.unlock()
        assert second.try_acquire()  # released: the other instance gets it
        assert not first.try_acquire()
        second.unlock()
    with support.open_deploy_lock(engine) as again:  # and nothing was left held
        assert again.try_acquire()
        again.unlock()


def test_scratch_database_is_created_and_dropped(
    support: DialectSupport, server: str, url: str
) -> None:
    with support.scratch_database(url, prefix="remodel_contract_") as scratch:
        assert "remodel_contract_" in str(scratch.database)
        assert scratch.database != sa.engine.make_url(url).database
        engine = sa.create_engine(scratch, poolclass=NullPool)
        with engine.begin() as connection:
            connection.execute(sa.text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
            connection.execute(sa.text("INSERT INTO t (id) VALUES (1)"))
        with engine.connect() as connection:
            assert connection.execute(sa.text("SELECT id FROM t")).scalar() == 1
        engine.dispose()
        where = scratch.render_as_string(hide_password=False)
        assert database_exists(server, where)
    assert not database_exists(server, where)
    assert database_exists(server, url)  # the URL's own database is left alone


def test_scratch_database_is_dropped_after_an_error(
    support: DialectSupport, server: str, url: str
) -> None:
    with pytest.raises(RuntimeError, match="inside"):
        with support.scratch_database(url, prefix="remodel_contract_") as scratch:
            raise RuntimeError("inside")
    assert not database_exists(server, scratch.render_as_string(hide_password=False))


def test_server_version(support: DialectSupport, server: str, engine: sa.engine.Engine) -> None:
    with engine.connect() as connection:
        version = support.server_version(connection)
        reported = str(connection.execute(sa.text(VERSION_QUERIES[server])).scalar())
        name = support.server_name(connection)
    assert version is not None and len(version) >= 2
    assert all(isinstance(part, int) for part in version)
    assert reported.startswith(".".join(str(part) for part in version[:2])), reported
    assert name in support.names
