"""Lock timeouts with retries: a statement blocked by another session waits briefly and retries.

Another connection holds a lock on ``item`` in an open transaction (a read is
enough: ALTER TABLE needs the table to itself). Released in time, the upgrade
succeeds after retrying; held too long, it fails with exit code 7, naming the
blocking session and its query, and keeps nothing of the revision where the
database can undo it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from flask_remodel.online import LockPolicy
from flask_remodel.online import LockPolicyError
from support.apps import AppFactory
from support.online import BASE
from support.online import OnlineProject
from support.online import ok

pytestmark = pytest.mark.backends("postgresql", "mariadb")

BLOCKING_READ = "SELECT COUNT(*) FROM item WHERE qty > -1"


@contextmanager
def held_lock(
    url: str, project: OnlineProject, release_after: float | None = None
) -> Iterator[None]:
    """A transaction on another connection that has read ``item`` (so holds a lock on it).

    With *release_after*, it ends that many seconds after the upgrade first
    tries to add the column.
    """
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool, future=True)
    connection = engine.connect()
    connection.exec_driver_sql(BLOCKING_READ)
    done = threading.Event()

    def release() -> None:
        while not project.sent_matching("ADD COLUMN note") and not done.wait(0.01):
            pass
        time.sleep(release_after or 0)
        connection.rollback()

    thread = threading.Thread(target=release) if release_after is not None else None
    if thread is not None:
        thread.start()
    try:
        yield
    finally:
        done.set()
        if thread is not None:
            thread.join()
        connection.close()
        engine.dispose()


@pytest.fixture
def locked_project(make_app: AppFactory, database_url: str) -> OnlineProject:
    made = make_app(
        config={"REMODEL_LOCK_TIMEOUT": 100, "REMODEL_LOCK_RETRIES": 2,
                "REMODEL_LOCK_RETRY_DELAY": 100}
    )
    made.ok("init")
    project = OnlineProject(made)
    project.revision("r0", BASE)
    ok(project.upgrade())
    project.revision(
        "r1",
        "op.create_table('extra', sa.Column('id', sa.Integer, primary_key=True))\n"
        "op.add_column('item', sa.Column('note', sa.String(20), nullable=True))",
    )
    sa.event.listen(
        project.engine, "before_cursor_execute",
        lambda conn, cursor, statement, *a: project.sent.append(" ".join(statement.split())),
    )
    return project


def _timeout_seconds(project: OnlineProject) -> float:
    # MariaDB counts lock_wait_timeout in whole seconds; a watchdog cancels at 100 ms.
    return 0.1


def test_a_lock_released_in_time_is_waited_out_with_retries(
    locked_project: OnlineProject, database_url: str
) -> None:
    project = locked_project
    # Held past the first attempt's limit, released well inside the retries' budget
    # (three attempts of 100 ms, 100 ms apart). On MariaDB the watchdog counts the
    # wait from when the ALTER began waiting, which is after its implicit commit of
    # the ledger's in-flight mark: on a busy disk, some milliseconds after it was sent.
    with held_lock(database_url, project, release_after=_timeout_seconds(project) * 2.5):
        ok(project.upgrade())
    assert project.column("note")["nullable"] is True
    assert "extra" in sa.inspect(project.engine).get_table_names()  # kept across the retry
    attempts = project.sent_matching("ADD COLUMN note")
    assert len(attempts) >= 2  # the first one timed out
    if project.dialect == "postgresql":
        assert project.sent_matching("ROLLBACK TO SAVEPOINT")
        assert project.sent_matching("SET lock_timeout = 0") == []  # plain DDL keeps its limit


def test_a_lock_held_too_long_fails_naming_the_blocker(
    locked_project: OnlineProject, database_url: str
) -> None:
    project = locked_project
    started = time.monotonic()
    with held_lock(database_url, project):
        result = project.upgrade()
    elapsed = time.monotonic() - started
    # On MariaDB the revision's first statement (CREATE TABLE extra) was committed,
    # so the deploy runner reports the revision as partly applied (exit 1).
    assert result.exit_code == (7 if project.dialect == "postgresql" else 1), result.output
    assert "waited for a lock 3 time(s), 100 ms each" in result.output
    assert "blocked by process" in result.output
    if project.dialect == "postgresql":
        assert "idle in transaction since 20" in result.output
        assert BLOCKING_READ in result.output
    else:
        # MariaDB does not keep an idle session's last statement (without performance_schema)
        assert "Sleep with a transaction open since 20" in result.output
    assert "raise REMODEL_LOCK_RETRIES" in result.output
    # 3 attempts of 0.1 s and pauses of 0.1 s and 0.2 s, not the server's default wait
    # (nor MariaDB's whole second); the rest is starting Flask and Alembic.
    assert elapsed < 3 * 0.1 + 0.3 + 2.5
    inspector = sa.inspect(project.engine)
    assert "note" not in {c["name"] for c in inspector.get_columns("item")}
    if project.dialect == "postgresql":
        assert "extra" not in inspector.get_table_names()  # the whole revision rolled back
        assert "Nothing of it was kept" in result.output
    else:
        assert "what ran before the failure is kept" in result.output
        # A lock wait is a cause that passes: the unchanged revision resumes.
        assert "run 'flask db upgrade' again, which resumes the revision" in result.output
    assert project.scalar("SELECT version_num FROM alembic_version") == "r0"


def test_the_session_goes_back_to_the_pool_without_the_timeouts(
    locked_project: OnlineProject,
) -> None:
    project = locked_project
    ok(project.upgrade())
    with project.engine.connect() as connection:  # the pooled connection the upgrade used
        if project.dialect == "postgresql":
            assert connection.exec_driver_sql("SHOW lock_timeout").scalar() == "0"
        else:
            value = connection.exec_driver_sql("SELECT @@session.lock_wait_timeout").scalar()
            assert int(value) == 86400


def test_lock_timeouts_can_be_turned_off(make_app: AppFactory, database_url: str) -> None:
    made = make_app(config={"REMODEL_LOCK_TIMEOUT": 0})
    made.ok("init")
    project = OnlineProject(made)
    project.revision("r0", BASE)
    sent: list[str] = []
    sa.event.listen(project.engine, "before_cursor_execute",
                    lambda conn, cursor, statement, *a: sent.append(statement))
    ok(project.upgrade())
    assert not [s for s in sent if "SAVEPOINT" in s or "lock_timeout" in s]


def test_statement_timeout_stops_a_long_statement(
    make_app: AppFactory, database_url: str
) -> None:
    made = make_app(config={"REMODEL_STATEMENT_TIMEOUT": 300})
    made.ok("init")
    project = OnlineProject(made)
    sleep = "pg_sleep" if made.engines()[None].dialect.name == "postgresql" else "SLEEP"
    project.revision("r0", f"op.execute('SELECT {sleep}(3)')")
    started = time.monotonic()
    result = project.upgrade()
    assert result.exit_code == 1
    assert time.monotonic() - started < 2.5
    assert "statement timeout" in result.output or "max_statement_time" in result.output


@pytest.mark.backends("sqlite")
def test_bad_config_is_one_clear_error(make_app: AppFactory) -> None:
    made = make_app()
    made.ok("init")
    OnlineProject(made).revision("r0", BASE)
    made.app.config["REMODEL_LOCK_RETRIES"] = "many"
    for command in ("upgrade", "current"):  # whichever command runs first
        result = made.cli(command)
        assert result.exit_code == 3
        assert result.output.strip().splitlines()[-1] == (
            "Error: REMODEL_LOCK_RETRIES = 'many' is not a whole number, 0 or more: set "
            "app.config['REMODEL_LOCK_RETRIES'] = 10, or leave it out for the default (10)."
        )


def test_policy_schedule_doubles_and_is_capped() -> None:
    policy = LockPolicy.from_config({"REMODEL_LOCK_RETRIES": 8, "REMODEL_LOCK_RETRY_DELAY": "700"})
    assert list(policy.pauses()) == [0.7, 1.4, 2.8, 5.0, 5.0, 5.0, 5.0, 5.0]
    assert LockPolicy.from_config({}) == LockPolicy(50, 10, 100, 0)
    assert list(LockPolicy(lock_timeout_ms=0).pauses()) == []
    with pytest.raises(LockPolicyError, match="REMODEL_LOCK_TIMEOUT = -5 is not a whole"):
        LockPolicy.from_config({"REMODEL_LOCK_TIMEOUT": -5})
    with pytest.raises(LockPolicyError):
        LockPolicy.from_config({"REMODEL_STATEMENT_TIMEOUT": True})


@pytest.mark.backends("postgresql")
def test_each_revision_costs_one_savepoint_round_trip(locked_project: OnlineProject) -> None:
    """A revision the runner runs in its own transaction takes one savepoint, whatever
    its number of statements; the version table's write takes none."""
    project = locked_project
    ok(project.upgrade())
    savepoints = [s for s in project.sent if "SAVEPOINT" in s.upper()]
    assert savepoints == ["SAVEPOINT remodel_revision"]
    assert len(project.sent_matching("CREATE TABLE extra")) == 1
    assert len(project.sent_matching("ADD COLUMN note")) == 1
    assert "extra" in sa.inspect(project.engine).get_table_names()


@pytest.fixture
def retry_project(make_app: AppFactory) -> OnlineProject:
    made = make_app(
        config={"REMODEL_LOCK_TIMEOUT": 100, "REMODEL_LOCK_RETRIES": 3,
                "REMODEL_LOCK_RETRY_DELAY": 100}
    )
    made.ok("init")
    project = OnlineProject(made)
    project.revision("r0", BASE)
    ok(project.upgrade())
    sa.event.listen(
        project.engine, "before_cursor_execute",
        lambda conn, cursor, statement, *a: project.sent.append(" ".join(statement.split())),
    )
    return project


@pytest.mark.backends("postgresql")
def test_a_timed_out_revision_is_undone_and_run_again_whole(
    retry_project: OnlineProject, database_url: str, tmp_path: Path
) -> None:
    """After a lock timeout the revision goes back to its savepoint and runs from the top:
    its database work lands once, its Python code (undone nowhere) ran once per attempt."""
    project = retry_project
    runs = tmp_path / "runs.txt"
    project.revision(
        "r1",
        f"import pathlib\n"
        f"runs = pathlib.Path({str(runs)!r})\n"
        f"runs.write_text((runs.read_text() if runs.exists() else '') + 'x')\n"
        "op.execute('INSERT INTO parent (id) VALUES (10)')\n"
        "op.add_column('item', sa.Column('note', sa.String(20), nullable=True))",
    )
    with held_lock(database_url, project, release_after=0.15):
        ok(project.upgrade())
    attempts = len(project.sent_matching("ADD COLUMN note"))
    assert attempts >= 2
    assert runs.read_text() == "x" * attempts
    assert project.sent_matching("ROLLBACK TO SAVEPOINT remodel_revision")
    assert project.scalar("SELECT count(*) FROM parent WHERE id = 10") == 1
    assert project.column("note")["nullable"] is True
    assert project.scalar("SELECT version_num FROM alembic_version") == "r1"


@pytest.mark.backends("postgresql")
def test_a_revision_that_swallows_the_timeout_is_still_run_again(
    retry_project: OnlineProject, database_url: str
) -> None:
    """The timed-out statement aborted the transaction, caught or not: the rerun is
    what the revision needs, not the "current transaction is aborted" that follows."""
    project = retry_project
    project.revision(
        "r1",
        "try:\n"
        "    op.add_column('item', sa.Column('note', sa.String(20), nullable=True))\n"
        "except Exception:\n"
        "    pass\n"
        "op.execute('UPDATE parent SET id = id')",
    )
    with held_lock(database_url, project, release_after=0.15):
        ok(project.upgrade())
    assert len(project.sent_matching("ADD COLUMN note")) >= 2
    assert project.column("note")["nullable"] is True


@pytest.mark.backends("postgresql")
def test_after_an_autocommit_block_statements_are_retried_alone(
    retry_project: OnlineProject, database_url: str
) -> None:
    """An autocommit_block commits the revision's transaction, and its savepoint with it:
    from there each statement gets its own savepoint and is retried alone."""
    project = retry_project
    project.revision(
        "r1",
        "op.create_table('extra', sa.Column('id', sa.Integer, primary_key=True))\n"
        "with op.get_context().autocommit_block():\n"
        "    op.execute('SELECT 1')\n"
        "op.create_table('other', sa.Column('id', sa.Integer, primary_key=True))\n"
        "op.add_column('item', sa.Column('note', sa.String(20), nullable=True))",
    )
    with held_lock(database_url, project, release_after=0.15):
        ok(project.upgrade())
    assert len(project.sent_matching("CREATE TABLE extra")) == 1
    assert len(project.sent_matching("CREATE TABLE other")) == 1  # kept across the retry
    assert len(project.sent_matching("ADD COLUMN note")) >= 2
    assert project.sent_matching("ROLLBACK TO SAVEPOINT remodel_statement")
    assert not project.sent_matching("ROLLBACK TO SAVEPOINT remodel_revision")
    assert {"extra", "other"} <= set(sa.inspect(project.engine).get_table_names())
    assert project.column("note")["nullable"] is True


@pytest.mark.backends("postgresql")
def test_a_revision_with_savepoints_of_its_own_keeps_them_whole(
    make_app: AppFactory,
) -> None:
    """A savepoint the revision takes itself is never released with the statements' own."""
    made = make_app(config={"REMODEL_LOCK_TIMEOUT": 100})
    made.ok("init")
    project = OnlineProject(made)
    project.revision("r0", BASE)
    project.revision(
        "r1",
        "op.create_table('extra', sa.Column('id', sa.Integer, primary_key=True))\n"
        "nested = op.get_bind().begin_nested()\n"
        "op.add_column('item', sa.Column('note', sa.String(20), nullable=True))\n"
        "op.execute('SELECT 1')\n"
        "nested.rollback()\n"
        "nested = op.get_bind().begin_nested()\n"
        "op.add_column('item', sa.Column('kept', sa.String(20), nullable=True))\n"
        "nested.commit()\n"
        "op.add_column('item', sa.Column('last', sa.String(20), nullable=True))",
    )
    ok(project.upgrade())
    columns = {c["name"] for c in sa.inspect(project.engine).get_columns("item")}
    assert {"kept", "last"} <= columns
    assert "note" not in columns  # undone by the revision's own rollback
    assert "extra" in sa.inspect(project.engine).get_table_names()
