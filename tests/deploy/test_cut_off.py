"""The pieces of :mod:`flask_remodel.deploy.cut_off`, on the real servers.

The whole story (a ``flask db upgrade`` process interrupted while its DDL
waits in the server) is in ``tests/faults/test_cut_off.py``; here, each piece
on its own: telling the cause, waiting for a busy session (and cancelling it),
and a holder that leaves its lock row so the next one waits for its sessions
(what a second Ctrl-C leaves).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from flask_remodel.deploy.cut_off import CTRL_C
from flask_remodel.deploy.cut_off import LOST
from flask_remodel.deploy.cut_off import cause_of
from flask_remodel.deploy.cut_off import wait_until_over
from flask_remodel.deploy.locks import Holder
from flask_remodel.deploy.locks import deploy_lock


def _secondary(first: BaseException) -> BaseException:
    """The error a clean-up raises while *first* propagates (as a rollback on a dead
    connection does)."""
    try:
        try:
            raise first
        except BaseException:
            # The implicit chain (no "from") is what a failing clean-up leaves.
            raise RuntimeError(  # noqa: B904
                "Can't reconnect until invalid transaction is rolled back"
            )
    except RuntimeError as exc:
        return exc


def test_the_cause_is_found_behind_a_secondary_error() -> None:
    lost = sa.exc.OperationalError("ALTER ...", {}, Exception("Lost connection"),
                                   connection_invalidated=True)
    assert cause_of(KeyboardInterrupt()) == CTRL_C
    assert cause_of(_secondary(KeyboardInterrupt())) == CTRL_C
    assert cause_of(lost) == LOST
    assert cause_of(_secondary(lost)) == LOST
    failed = sa.exc.OperationalError("ALTER ...", {}, Exception("Duplicate column"))
    assert cause_of(failed) is None
    assert cause_of(_secondary(ValueError("x"))) is None


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.engine.Engine]:
    made = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    yield made
    made.dispose()


_SLEEP = {"postgresql": "SELECT pg_sleep({s})", "mariadb": "SELECT SLEEP({s})"}
_RUNNING = {
    "postgresql": "SELECT count(*) FROM pg_stat_activity WHERE pid = {id} AND state = 'active'",
    "mariadb": "SELECT count(*) FROM information_schema.PROCESSLIST WHERE ID = {id}"
    " AND COMMAND = 'Query'",
}
_SESSION = {"postgresql": "SELECT pg_backend_pid()", "mariadb": "SELECT CONNECTION_ID()"}


def _busy_session(engine: sa.engine.Engine, backend: str, seconds: float) -> tuple[
    int, threading.Thread
]:
    """A session running one statement for *seconds* (or until cancelled), in a thread."""
    connection = engine.connect()
    session = int(connection.exec_driver_sql(_SESSION[backend]).scalar() or 0)

    def run() -> None:
        try:
            connection.exec_driver_sql(_SLEEP[backend].format(s=seconds))
        except sa.exc.DBAPIError:
            pass  # cancelled
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    time.sleep(0.2)  # sent
    return session, thread


@pytest.mark.backends("postgresql", "mariadb")
def test_waits_for_the_statement_then_cancels_it(
    engine: sa.engine.Engine, backend: str
) -> None:
    session, thread = _busy_session(engine, backend, 1.0)
    began = time.monotonic()
    assert wait_until_over(engine, session, cancel_after=10)
    assert 0.5 < time.monotonic() - began < 5, "not waited for, or not seen to end"
    thread.join()

    session, thread = _busy_session(engine, backend, 60)
    began = time.monotonic()
    assert wait_until_over(engine, session, cancel_after=0.5, give_up_after=10)
    assert time.monotonic() - began < 10, "the statement was not cancelled"
    thread.join()


@pytest.mark.backends("postgresql", "mariadb")
def test_a_kept_record_makes_the_next_holder_wait_for_the_statement(
    engine: sa.engine.Engine, backend: str
) -> None:
    """A holder that stopped waiting for a statement it could not see end keeps its
    lock row: the next holder waits until that statement's session is gone."""
    with deploy_lock(engine, Holder("upgrade", "head"), wait=5) as held:
        # Sent through the engine, as the migration's statements are: the lock's
        # row lists its session among the holder's.
        session, thread = _busy_session(engine, backend, 3)
        held.keep_record()  # the statement left running, as after a second Ctrl-C
    began = time.monotonic()
    with deploy_lock(engine, Holder("upgrade", "head"), wait=30):
        waited = time.monotonic() - began
        with engine.connect() as connection:
            running = connection.exec_driver_sql(_RUNNING[backend].format(id=session)).scalar()
    thread.join()
    assert waited > 1.5, f"the next holder started {waited:.1f} s in, the statement still running"
    assert not running, "the next holder started while the statement ran"
