"""``upgrade --sql`` and ``downgrade --sql``: the script sets the lock timeouts the runner would.

A DBA who runs the script with psql or the mariadb client gets the same short
lock wait as ``flask db upgrade``, not the server's default (a day on MariaDB).
The retries cannot be written in SQL; a comment next to the settings says so.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from support.apps import AppFactory
from support.online import BASE
from support.online import OnlineProject
from support.online import ok

CONFIGURED = {"REMODEL_LOCK_TIMEOUT": 2000, "REMODEL_STATEMENT_TIMEOUT": 30000}

# What each backend's runner applies for CONFIGURED (tests/online/test_lock_timeouts.py
# shows those statements at work); the script must begin with the same.
SETTINGS = {
    "postgresql": ["SET lock_timeout = 2000;", "SET statement_timeout = 30000;"],
    "mariadb": [
        "SET SESSION lock_wait_timeout = 2, innodb_lock_wait_timeout = 2;",
        "SET SESSION max_statement_time = 30.0;",
    ],
    "sqlite": [],  # no lock timeouts there: the runner sets none
}

INDEXED = (
    "op.create_index_online('ix_item_email', 'item', ['email'])\n"
    "op.add_column('item', sa.Column('note', sa.String(20), nullable=True))"
)
UNINDEXED = "op.drop_column('item', 'note')\nop.drop_index_online('ix_item_email', 'item')"


def _project(make_app: AppFactory, **config: object) -> OnlineProject:
    """r0 (two tables with rows) and r1 (an online index and a column); nothing applied."""
    made = make_app(config={"REMODEL_LINT": "off", **config})
    made.ok("init")
    project = OnlineProject(made)
    project.revision("r0", BASE)
    project.revision("r1", INDEXED, UNINDEXED)
    return project


def _script(project: OnlineProject, *args: str) -> str:
    return ok(project.made.cli(*args)).stdout


def _statements(script: str) -> list[str]:
    """The script's lines without comments and blank lines."""
    return [line for line in script.splitlines() if line.strip() and not line.startswith("--")]


def _comment_before_settings(script: str) -> str:
    """The comment that heads the settings, its lines joined into one text."""
    lines = script[: script.index("SET ")].strip().splitlines()
    assert all(line.startswith("-- ") for line in lines), lines
    return " ".join(line.removeprefix("-- ") for line in lines)


def test_upgrade_sql_begins_with_the_configured_timeouts(
    make_app: AppFactory, backend: str
) -> None:
    script = _script(_project(make_app, **CONFIGURED), "upgrade", "--sql")
    expected = SETTINGS[backend]
    statements = _statements(script)
    assert statements[: len(expected)] == expected
    if not expected:
        assert not [line for line in statements if line.startswith("SET ")]
        assert "REMODEL_LOCK_TIMEOUT" not in script
        return
    assert statements.count(expected[-1]) == 1  # once, for the whole script
    comment = _comment_before_settings(script)
    assert "No retries" in comment
    assert "10 more time(s)" in comment  # REMODEL_LOCK_RETRIES' default


@pytest.mark.backends("postgresql", "mariadb")
def test_downgrade_sql_begins_with_them_too(make_app: AppFactory, backend: str) -> None:
    script = _script(_project(make_app, **CONFIGURED), "downgrade", "--sql", "r1:r0")
    assert _statements(script)[:2] == SETTINGS[backend]
    assert "DROP INDEX" in script


@pytest.mark.backends("postgresql", "mariadb")
def test_the_default_timeout_and_the_retries_the_script_lacks(
    make_app: AppFactory, backend: str
) -> None:
    project = _project(make_app, REMODEL_LOCK_RETRIES=3)
    script = _script(project, "upgrade", "--sql")
    comment = _comment_before_settings(script)
    assert "3 more time(s), a script cannot" in comment
    if backend == "postgresql":
        assert _statements(script)[:2] == ["SET lock_timeout = 50;", "SET statement_timeout = 0;"]
        assert "whole seconds" not in comment
    else:
        # 50 ms: the server can only wait whole seconds; the runner's watchdog cannot come along.
        assert _statements(script)[0] == (
            "SET SESSION lock_wait_timeout = 1, innodb_lock_wait_timeout = 1;"
        )
        assert "whole seconds, so 50 ms is rounded up" in comment


@pytest.mark.backends("postgresql")
def test_stamp_sql_runs_the_same_environment(make_app: AppFactory) -> None:
    script = _script(_project(make_app, **CONFIGURED), "stamp", "--sql", "r1")
    assert _statements(script)[:2] == SETTINGS["postgresql"]
    assert "INSERT INTO alembic_version" in script


@pytest.mark.parametrize("command", [["upgrade", "--sql"], ["downgrade", "--sql", "r1:r0"]])
def test_nothing_when_the_timeouts_are_off(
    make_app: AppFactory, backend: str, command: list[str]
) -> None:
    project = _project(make_app, REMODEL_LOCK_TIMEOUT=0, REMODEL_STATEMENT_TIMEOUT=0)
    script = _script(project, *command)
    assert not [line for line in _statements(script) if line.startswith("SET ")]
    assert "REMODEL_LOCK_TIMEOUT" not in script


@pytest.mark.backends("postgresql")
def test_a_statement_timeout_alone_is_set_as_the_runner_sets_it(make_app: AppFactory) -> None:
    project = _project(make_app, REMODEL_LOCK_TIMEOUT=0, REMODEL_STATEMENT_TIMEOUT=5000)
    script = _script(project, "upgrade", "--sql")
    assert _statements(script)[:2] == ["SET lock_timeout = 0;", "SET statement_timeout = 5000;"]
    assert "No retries" not in script  # no lock timeout, so the runner retries nothing either
    assert "SET lock_timeout = 0;\n\nCREATE INDEX" not in script  # nothing to lift


@pytest.mark.backends("postgresql")
def test_exempt_statements_wait_as_with_the_runner(make_app: AppFactory) -> None:
    """Around a concurrent build the script lifts the timeout and sets it back, as the runner."""
    project = _project(make_app, **CONFIGURED)
    lines = _statements(_script(project, "upgrade", "--sql"))
    create = lines.index("CREATE INDEX CONCURRENTLY ix_item_email ON item (email);")
    assert lines[create - 2 : create + 3] == [
        "COMMIT;", "SET lock_timeout = 0;", lines[create], "SET lock_timeout = 2000;", "BEGIN;",
    ]
    down = _statements(_script(project, "downgrade", "--sql", "r1:r0"))
    drop = down.index("DROP INDEX CONCURRENTLY IF EXISTS ix_item_email;")
    assert down[drop - 1] == "SET lock_timeout = 0;"
    assert down[drop + 1] == "SET lock_timeout = 2000;"


# What migrate writes on PostgreSQL for an index: Alembic's own operations.
PLAIN_INDEXED = (
    "with op.get_context().autocommit_block():\n"
    "    op.drop_index('ix_item_email', table_name='item', postgresql_concurrently=True,"
    " if_exists=True)\n"
    "    op.create_index('ix_item_email', 'item', ['email'], postgresql_concurrently=True,"
    " if_not_exists=True)"
)


@pytest.mark.backends("postgresql")
def test_alembics_own_concurrent_index_forms_wait_as_the_online_operation(
    make_app: AppFactory,
) -> None:
    """No without_lock_timeout() around them: the concurrent statements are recognised."""
    made = make_app(config={"REMODEL_LINT": "off", **CONFIGURED})
    made.ok("init")
    project = OnlineProject(made)
    project.revision("r0", BASE)
    project.revision("r1", PLAIN_INDEXED)
    lines = _statements(_script(project, "upgrade", "--sql"))
    for sent in (
        "DROP INDEX CONCURRENTLY IF EXISTS ix_item_email;",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_item_email ON item (email);",
    ):
        at = lines.index(sent)
        assert lines[at - 1 : at + 2] == ["SET lock_timeout = 0;", sent, "SET lock_timeout = 2000;"]


@pytest.mark.backends("postgresql", "mariadb")
def test_the_script_sets_what_the_runner_applies(
    make_app: AppFactory, caplog: pytest.LogCaptureFixture
) -> None:
    project = _project(make_app, **CONFIGURED)
    script = _script(project, "upgrade", "--sql")
    with caplog.at_level(logging.DEBUG, logger="flask_remodel.online"):
        ok(project.upgrade())
    [applied] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Lock ti")]
    settings = applied.removeprefix("Lock timeouts: ").split("; up to ")[0].split("; ")
    assert _statements(script)[: len(settings)] == [f"{each};" for each in settings]


@pytest.mark.backends("postgresql")
def test_plan_shows_each_revisions_sql_alone(make_app: AppFactory) -> None:
    project = _project(make_app, **CONFIGURED)
    plan = ok(project.made.cli("upgrade", "--plan")).output
    assert "CREATE INDEX CONCURRENTLY" in plan
    assert "SET lock_timeout" not in plan and "REMODEL_LOCK_TIMEOUT" not in plan


@pytest.mark.needs_latest
@pytest.mark.backends("postgresql")
def test_a_flask_migrate_env_py_gets_none_as_its_run_gets_none(make_app: AppFactory) -> None:
    """Only the thin env.py runs with lock timeouts (docs/online-upgrades.md), so only its
    script sets them: an old env.py's script stays as Flask-Migrate wrote it."""
    flask_migrate = pytest.importorskip("flask_migrate")
    project = _project(make_app, **CONFIGURED)
    templates = Path(flask_migrate.__file__).parent / "templates" / "flask"
    folder = project.made.migrations_dir
    shutil.copy(templates / "env.py", folder / "env.py")
    shutil.copy(templates / "alembic.ini.mako", folder / "alembic.ini")
    script = _script(project, "upgrade", "--sql")
    assert "CREATE TABLE parent" in script
    assert "SET lock_timeout" not in script and "REMODEL_LOCK_TIMEOUT" not in script


def _client(url: str) -> list[str]:
    """The command line that runs a script from stdin on *url*'s database, stopping at an error."""
    made = sa.engine.make_url(url)
    if made.get_backend_name() == "postgresql":
        plain = made.set(drivername="postgresql").render_as_string(hide_password=False)
        return ["psql", plain, "-X", "-q", "-v", "ON_ERROR_STOP=1"]
    return [
        "mariadb", f"--host={made.host}", f"--port={made.port or 3306}",
        f"--user={made.username}", f"--password={made.password or ''}", str(made.database),
    ]


def _run_by_hand(url: str, script: str) -> None:
    command = _client(url)
    if shutil.which(command[0]) is None:
        pytest.skip(f"{command[0]} is not installed")
    done = subprocess.run(command, input=script, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "ERROR" not in done.stderr, done.stderr


@pytest.mark.backends("postgresql", "mariadb")
def test_the_script_runs_by_hand_on_a_fresh_database(
    make_app: AppFactory, database_url: str
) -> None:
    project = _project(make_app, **CONFIGURED)
    _run_by_hand(database_url, _script(project, "upgrade", "--sql"))
    assert project.scalar("SELECT version_num FROM alembic_version") == "r1"
    assert project.scalar("SELECT COUNT(*) FROM item WHERE note IS NULL") == 50
    assert "ix_item_email" in project.indexes()
    down = _script(project, "downgrade", "--sql", "r1:r0")
    _run_by_hand(database_url, down)
    assert project.scalar("SELECT version_num FROM alembic_version") == "r0"
    assert "ix_item_email" not in project.indexes()
