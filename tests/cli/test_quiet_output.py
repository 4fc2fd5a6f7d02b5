"""A clean ``upgrade`` prints about what Flask-Migrate prints (issue 17, item 5).

One command configures several Alembic contexts (the lint gate and the deploy
runner read the version table before, during and after the run), and Alembic
announces each one ("Context impl X." / "Will assume ... DDL."). Without
``-v`` one announcement is printed, then Alembic's "Running upgrade" line and
Flask-Remodel's "[i/n] applied" line per revision; findings that ``migrate``
printed are not printed again unless they stop the upgrade.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from projects import Models
from projects import ProjectFactory
from projects import users

ANNOUNCEMENT = ("Context impl ", "Will assume ")


def _with_columns(count: int) -> Models:
    """A ``user`` table with *count* extra columns: one revision per column added."""

    def define(db: Any) -> None:
        attrs: dict[str, Any] = {
            "__tablename__": "user",
            "id": db.Column(db.Integer, primary_key=True),
        }
        for number in range(count):
            attrs[f"c{number}"] = db.Column(db.String(20))
        type("User", (db.Model,), attrs)

    return define


def _log_lines(output: str, starting: str) -> list[str]:
    return [line for line in output.splitlines() if line.split("] ", 1)[-1].startswith(starting)]


def _announcements(output: str) -> int:
    return sum(len(_log_lines(output, each)) for each in ANNOUNCEMENT)


def _remodel_project(factory: ProjectFactory, pending: int) -> Any:
    """Revisions r0 (the table) .. r<pending> applied, then undone down to r0."""
    project = factory(_with_columns(0))
    project.ok("init")
    for count in range(pending + 1):
        project = factory(_with_columns(count))
        project.ok("migrate", "-m", f"step {count}", "--rev-id", f"r{count}")
        project.ok("upgrade")
    project.ok("downgrade", "r0")
    return project


def _flask_migrate_run(app: Flask, *args: str) -> Result:
    with warnings.catch_warnings():
        # Its env.py calls db.get_engine(), deprecated by Flask-SQLAlchemy 3.1.
        warnings.simplefilter("ignore", DeprecationWarning)
        result = app.test_cli_runner().invoke(args=["db", *args])
    assert result.exit_code == 0, result.output
    return result


def _flask_migrate_outputs(url: str, folder: Path, pending: int) -> tuple[str, str, str]:
    """What Flask-Migrate 4.1 prints for the same project: upgrade, downgrade, stamp."""
    flask_migrate = pytest.importorskip("flask_migrate")
    made: list[tuple[Flask, Any]] = []

    def app_for(count: int) -> Flask:
        app = Flask(f"flask_migrate_{count}")
        app.config["SQLALCHEMY_DATABASE_URI"] = url
        db = SQLAlchemy(app)
        _with_columns(count)(db)
        flask_migrate.Migrate(app, db, directory=str(folder))
        made.append((app, db))
        return app

    try:
        app = app_for(0)
        _flask_migrate_run(app, "init")
        for count in range(pending + 1):
            app = app_for(count)
            _flask_migrate_run(app, "migrate", "-m", f"step {count}", "--rev-id", f"r{count}")
            _flask_migrate_run(app, "upgrade")
        _flask_migrate_run(app, "downgrade", "r0")
        upgrade = _flask_migrate_run(app, "upgrade").output
        downgrade = _flask_migrate_run(app, "downgrade", "r0").output
        stamp = _flask_migrate_run(app, "stamp", "head").output
        return upgrade, downgrade, stamp
    finally:
        for each, db in made:
            with each.app_context():
                for engine in db.engines.values():
                    engine.dispose()


@pytest.mark.needs_latest
@pytest.mark.parametrize("pending", [1, 3])
def test_clean_upgrade_prints_flask_migrates_lines_and_one_per_revision(
    project_factory: ProjectFactory, make_database: Any, tmp_path: Path, pending: int
) -> None:
    project = _remodel_project(project_factory, pending)
    upgrade = project.ok("upgrade").output
    downgrade = project.ok("downgrade", "r0").output
    stamp = project.ok("stamp", "head").output
    theirs = _flask_migrate_outputs(make_database(), tmp_path / "flask_migrate", pending)

    for ours, their, verb in zip(
        (upgrade, downgrade, stamp), theirs, ("upgrade", "downgrade", "stamp_revision"),
        strict=True,
    ):
        assert _announcements(their) == 2
        assert _announcements(ours) == 2, ours
        per_revision = pending if verb != "stamp_revision" else 1
        assert len(_log_lines(ours, f"Running {verb}")) == per_revision, ours
        # The one line per revision Flask-Migrate has not: "[2/3] applied r2 ...".
        extra = pending if verb != "stamp_revision" else 0
        assert len(ours.splitlines()) <= len(their.splitlines()) + extra, (ours, their)
    assert len(upgrade.splitlines()) == 2 + 2 * pending
    assert "Will assume transactional DDL." in upgrade or project_factory.url.startswith(
        "mysql"
    )  # the run's own context: SQLite's runs in transactions too
    assert "warning" not in upgrade  # RM511 on PostgreSQL and MariaDB, printed by migrate


def test_verbose_upgrade_and_downgrade_show_every_context_and_the_settings(
    project_factory: ProjectFactory, backend: str
) -> None:
    project = _remodel_project(project_factory, 1)
    upgrade = project.ok("upgrade", "-v").output
    assert _announcements(upgrade) > 2
    assert ("Lock timeouts: " in upgrade) == (backend != "sqlite")
    downgrade = project.ok("downgrade", "--verbose").output
    assert _announcements(downgrade) > 2
    # The group's -v (every SQL statement) shows everything else too.
    assert _announcements(project.ok("-v", "upgrade").output) > 2
    assert _announcements(project.ok("stamp", "-v", "head").output) > 2


def test_a_warning_recorded_by_migrate_is_printed_by_upgrade_only_with_verbose(
    project_factory: ProjectFactory,
) -> None:
    first = project_factory(users(email=True))
    first.ok("init")
    first.ok("migrate", "-m", "users")
    first.ok("upgrade")
    project = project_factory(users(email=True, unique_email=True))
    migrated = project.ok("migrate", "-m", "unique email")
    assert "RM207" in migrated.output  # printed once, here

    quiet = project.ok("upgrade").output
    assert "RM207" not in quiet and "warning" not in quiet
    assert _announcements(quiet) == 2
    assert "RM207" not in project.ok("downgrade").output

    verbose = project.ok("upgrade", "-v").output
    assert "RM207" in verbose
    assert "Running upgrade" in verbose


def test_an_error_that_stops_the_upgrade_is_printed_even_if_migrate_printed_it(
    project_factory: ProjectFactory,
) -> None:
    first = project_factory(users(email=True))
    first.ok("init")
    first.ok("migrate", "-m", "users")
    first.ok("upgrade")
    project = project_factory(users(username_length=32, email=True), REMODEL_LINT="error")
    assert "RM305" in project.ok("migrate", "-m", "narrower").output

    stopped = project.cli("upgrade")
    assert stopped.exit_code != 0
    assert "error RM305" in stopped.output
    assert "stopped the upgrade before anything ran" in stopped.output
    assert "warning" not in stopped.output  # RM511 on PostgreSQL and MariaDB: known
    assert "Running upgrade" not in stopped.output
