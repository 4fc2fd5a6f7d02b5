"""The deploy lock's own session ended from the server while its holder migrates.

Anything that ends an idle session (an administrator, an idle timeout, a
pooler) can end the lock's connection while the migration goes on in
another. The holder must stop before its next statement, with its revision
recorded as it is, and a waiter must not take a live holder for dead.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from flask_remodel.deploy.errors import DeployLockLostError
from flask_remodel.deploy.ledger import Ledger
from flask_remodel.deploy.locks import Holder
from flask_remodel.deploy.locks import deploy_lock
from flask_remodel.dialects import dialect_for
from flask_remodel.dialects.postgresql import ADVISORY_LOCK_KEY
from support import rows

from .conftest import Project

pytestmark = pytest.mark.backends("postgresql", "mariadb")

SLOW = """
from pathlib import Path as _Path
_Path({marker!r}).write_text("x")
for _ in range({count}):  # short statements: the holder looks at its lock before them
    time.sleep({pause})
    op.execute("SELECT 1")
"""


def _lock_session(url: str, backend: str) -> int | None:
    """The server session that holds the deploy lock now, found from outside."""
    if backend == "postgresql":
        found = rows(
            url,
            # pg_locks is the whole server's: only this test's database, or the
            # session killed would be another test's (a parallel worker's) holder.
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            " AND classid::bigint = :hi AND objid::bigint = :lo",
            hi=ADVISORY_LOCK_KEY >> 32, lo=ADVISORY_LOCK_KEY & 0xFFFFFFFF,
        )
        return int(found[0][0]) if found else None
    database = sa.engine.make_url(url).database
    (holder,) = rows(url, "SELECT IS_USED_LOCK(:n)", n=f"flask-remodel:{database}"[:64])[0]
    return int(holder) if holder is not None else None


def _end_session(url: str, backend: str, session: int) -> None:
    sql = f"KILL {session}"
    if backend == "postgresql":
        sql = f"SELECT pg_terminate_backend({session})"
    with sa.create_engine(url, poolclass=sa.pool.NullPool).connect() as connection:
        connection.execute(sa.text(sql))


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.engine.Engine]:
    made = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    yield made
    made.dispose()


def test_the_handle_knows_it_lost_the_lock(
    engine: sa.engine.Engine, database_url: str, backend: str
) -> None:
    support = dialect_for(engine)
    details = {"command": "upgrade", "target": "head", "host": "web-1", "pid": 42,
               "since": "2026-12-02 14:02:03 UTC"}
    with support.open_deploy_lock(engine) as holder, engine.connect() as migration:
        assert holder.try_acquire() and holder.still_held()
        holder.record(details)
        holder.note_session(migration)
        _end_session(database_url, backend, _lock_session(database_url, backend) or 0)
        assert not holder.still_held()
        assert not holder.still_held()  # and stays lost, even once the connection reconnects
        with support.open_deploy_lock(engine) as waiter:
            assert waiter.try_acquire()  # free: the lock went with its session
            seen = waiter.details()
            assert seen is not None and seen["pid"] == 42
            # ... but the holder's migration session is open: it may still be working.
            assert waiter.live_sessions(seen) == [support.backend_id(migration)]
            holder.forget()  # the holder stopping deletes its row, and only its own
            assert waiter.details() is None
            waiter.unlock()


def test_the_write_that_marks_a_revision_done_asks_for_the_lock_itself(
    engine: sa.engine.Engine, database_url: str, backend: str
) -> None:
    """The ledger row of a finished revision is closed, and the next one's opened, in the
    revision's transaction, by writes that write nothing once the lock's session is gone:
    one statement on PostgreSQL, an UPDATE whose matched rows answer on MariaDB."""
    ledger = Ledger(engine)
    ledger.create()
    first = ledger.start("r1", "upgrade", None)
    with deploy_lock(engine, Holder("upgrade", "head"), wait=5) as held:
        guard = held.guard()
        assert guard is not None
        with engine.begin() as migration:
            done, second = ledger.finish_while(
                guard, first, "applied", 0.25, migration, ("r2", "upgrade", "c2")
            )
        assert done and second is not None
        held.answered(done)
        _end_session(database_url, backend, _lock_session(database_url, backend) or 0)
        with engine.begin() as migration:
            assert ledger.finish_while(
                guard, second, "applied", 0.5, migration, ("r3", "upgrade", None)
            ) == (False, None)
            assert ledger.finish_while(guard, second, "applied", 0.5, migration) == (False, None)
        with pytest.raises(DeployLockLostError):
            held.answered(False)
        assert held.guard() is None  # lost stays lost
    found = [(e.revision, e.outcome, e.checksum, e.duration_ms) for e in ledger.entries()]
    assert found == [("r1", "applied", None, 250), ("r2", "running", "c2", None)]


def _start_slow(project: Project, pause: float = 0.1) -> subprocess.Popen[str]:
    """``upgrade`` running r2, which sends a statement every *pause* seconds for 15 s."""
    project.add_tables(1, sleep=0)
    marker = str(project.root / "r2.slow")
    project.add(SLOW.format(marker=marker, count=int(15 / pause), pause=pause), sleep=0)
    project.add_tables(1, sleep=0)
    process = project.spawn("upgrade")
    project.wait_for(project.root / "r2.slow", process)
    return process


def test_holder_stops_when_its_lock_session_ends(project: Project, backend: str) -> None:
    process = _start_slow(project)
    session = _lock_session(project.url, backend)
    assert session is not None
    _end_session(project.url, backend, session)
    out, err = process.communicate(timeout=60)
    assert process.returncode == DeployLockLostError.exit_code, (out, err)
    assert "Lost the deploy lock during revision r2" in err
    assert "nothing of r2 was kept" in err and "Run the command again" in err
    assert [line for line in err.splitlines() if line.startswith("Error:")] == [
        line for line in err.splitlines() if "Lost the deploy lock" in line
    ]
    assert "Traceback" not in err
    # r1 stays; r2 stopped before any change, recorded as such; r3 never began.
    assert project.log() == {"r1": 1}
    ledger = [(e["revision"], e["outcome"]) for e in project.ledger()]
    assert ledger == [("r1", "applied"), ("r2", "interrupted")]
    assert "Deploy lock: held" not in project.made.ok("status").output

    project.made.ok("upgrade")
    assert project.log() == {"r1": 1, "r2": 1, "r3": 1}
    ledger = [(e["revision"], e["outcome"]) for e in project.ledger()]
    assert ledger[-2:] == [("r2", "applied"), ("r3", "applied")]


def test_a_waiter_waits_for_a_holder_that_lost_its_lock(project: Project, backend: str) -> None:
    # The holder sends nothing for 4 s at a time, so it finds its lock gone
    # seconds after a waiter could have taken it.
    holder = _start_slow(project, pause=4)
    waiter = project.spawn("upgrade")
    time.sleep(1.5)  # waiting by now
    session = _lock_session(project.url, backend)
    assert session is not None
    _end_session(project.url, backend, session)
    out, err = holder.communicate(timeout=60)
    assert holder.returncode == DeployLockLostError.exit_code, (out, err)
    w_out, w_err = waiter.communicate(timeout=120)
    assert waiter.returncode == 0, (w_out, w_err)
    # Each revision ran once; r2's first row is the holder's own account, not a
    # waiter declaring it dead while it still ran.
    assert project.log() == {"r1": 1, "r2": 1, "r3": 1}
    ledger = rows(
        project.url,
        "SELECT revision, outcome, error, started_at, finished_at FROM remodel_ledger ORDER BY id",
    )
    assert [(r[0], r[1]) for r in ledger] == [
        ("r1", "applied"), ("r2", "interrupted"), ("r2", "applied"), ("r3", "applied"),
    ]
    assert "deploy lock" in ledger[1][2]
    # The waiter began r2 only once the holder had stopped it, not alongside it.
    assert ledger[2][3] >= ledger[1][4], ledger


def test_the_lock_is_asked_once_a_revision_when_revisions_follow_quickly(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before marking each revision done it asks the server; before the next one starts
    it reuses that answer when it is younger than the statements' interval."""
    from flask_remodel.deploy import locks

    asked: list[float] = []
    check = locks.HeldLock.check

    def counted(self: locks.HeldLock) -> None:
        asked.append(time.monotonic())
        check(self)

    monkeypatch.setattr(locks.HeldLock, "check", counted)
    project.add_tables(6, sleep=0)
    began = time.monotonic()
    project.made.ok("upgrade")
    # One each before marking it done; the statements' own checks come every half second.
    assert len(asked) <= 6 + int((time.monotonic() - began) / locks._STATEMENT_CHECK_EVERY) + 1
