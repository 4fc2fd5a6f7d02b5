"""MariaDB's lock-wait watchdog asks the server nothing about a statement that ends in time."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from flask_remodel.dialects.mysql import LockWaitWatchdog

pytestmark = pytest.mark.backends("mariadb")


@pytest.fixture
def connection(database_url: str) -> Iterator[sa.engine.Connection]:
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    with engine.connect() as made:
        yield made
    engine.dispose()


def test_a_statement_shorter_than_the_limit_costs_no_second_connection(
    connection: sa.engine.Connection,
) -> None:
    watchdog = LockWaitWatchdog(connection, limit_ms=300)
    try:
        with watchdog.watching() as shot:
            connection.exec_driver_sql("SELECT SLEEP(0.1)")
        assert not shot.fired
        assert watchdog._other is None  # nothing was asked from another session
    finally:
        watchdog.close()


def test_a_statement_waiting_past_the_limit_is_still_cancelled(
    connection: sa.engine.Connection, database_url: str
) -> None:
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    with engine.connect() as other:
        other.exec_driver_sql("SELECT GET_LOCK('remodel-watchdog-test', 0)")
        watchdog = LockWaitWatchdog(connection, limit_ms=150)
        began = time.monotonic()
        try:
            with watchdog.watching() as shot:
                try:  # a user lock wait shows as a lock state in the process list
                    connection.exec_driver_sql("SELECT GET_LOCK('remodel-watchdog-test', 5)")
                except sa.exc.DBAPIError:
                    pass  # cancelled (KILL QUERY)
            assert shot.fired
            assert time.monotonic() - began < 2
        finally:
            watchdog.close()
            other.exec_driver_sql("SELECT RELEASE_LOCK('remodel-watchdog-test')")
    engine.dispose()
