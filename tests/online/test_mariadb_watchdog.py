"""MariaDB's lock-wait watchdog asks the server nothing about a statement that ends in time."""

from __future__ import annotations

import threading
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


def test_one_thread_watches_every_statement_and_ends_with_the_watchdog(
    connection: sa.engine.Connection,
) -> None:
    before = set(threading.enumerate())
    watchers: list[threading.Thread] = []  # kept, so that no thread object is reused
    watchdog = LockWaitWatchdog(connection, limit_ms=50)
    try:
        for _ in range(30):
            with watchdog.watching() as shot:
                connection.exec_driver_sql("SELECT 1")
                watchers.extend(set(threading.enumerate()) - before - set(watchers))
            assert not shot.fired
        assert len(watchers) == 1
    finally:
        watchdog.close()
    assert set(threading.enumerate()) == before


def test_a_wait_after_many_short_statements_is_still_cancelled_and_only_that_one(
    connection: sa.engine.Connection, database_url: str
) -> None:
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    watchdog = LockWaitWatchdog(connection, limit_ms=100)
    try:
        for _ in range(20):  # the thread is now waiting with a deadline, not idle
            with watchdog.watching():
                connection.exec_driver_sql("SELECT 1")
        with engine.connect() as other:
            other.exec_driver_sql("SELECT GET_LOCK('remodel-watchdog-test', 0)")
            try:
                began = time.monotonic()
                with watchdog.watching() as shot:
                    # KILL QUERY ends a user-lock wait with NULL (not an error)
                    got = connection.exec_driver_sql(
                        "SELECT GET_LOCK('remodel-watchdog-test', 5)"
                    ).scalar()
                assert shot.fired
                assert got != 1
                assert time.monotonic() - began < 2
            finally:
                other.exec_driver_sql("SELECT RELEASE_LOCK('remodel-watchdog-test')")
        with watchdog.watching() as after:  # the next statement runs, untouched
            assert connection.exec_driver_sql("SELECT SLEEP(0.2)").scalar() == 0
        assert not after.fired
    finally:
        watchdog.close()
        engine.dispose()
