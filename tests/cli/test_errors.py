"""Each expected failure: one line saying what to do, a documented exit code, nothing lost."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.engine import make_url

import flask_remodel
from flask_remodel import errors
from projects import Project
from projects import ProjectFactory


def _error_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith("Error: ")]
    assert len(lines) == 1, output
    return lines[0]


def _ready(factory: ProjectFactory) -> Project:
    project = factory()
    project.ok("init")
    project.ok("revision", "-m", "first", "--rev-id", "aaa001")
    return project


def test_app_without_the_extension() -> None:
    app = Flask("bare")
    with app.app_context(), pytest.raises(errors.ExtensionNotFoundError, match="Migrate"):
        flask_remodel.heads()


def test_migrate_without_a_database_registers_and_explains(tmp_path: Path) -> None:
    app = Flask("no_db")
    migrate = flask_remodel.Migrate(app, directory=str(tmp_path / "m"))
    assert "migrate" in app.extensions  # Flask-Migrate registered nothing here (bug B7)
    result = app.test_cli_runner().invoke(args=["db", "heads"])
    assert result.exit_code == 3
    assert "Migrate(app, db)" in _error_line(result.output)
    assert migrate.db is None


def _unreachable(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        # SQLite URLs carry no password, so the SQLite leg points at a PostgreSQL port where
        # nothing listens: the masking is then tested on every leg, with or without a server.
        driver = "psycopg" if importlib.util.find_spec("psycopg") else "psycopg2"
        return f"postgresql+{driver}://app:s3cret@127.0.0.1:1/app"
    return parsed.set(password="s3cret", port=1).render_as_string(hide_password=False)


def test_unreachable_database_masks_the_password(project_factory: ProjectFactory) -> None:
    project = _ready(project_factory)
    bad = _unreachable(project_factory.url)
    project.app.config["SQLALCHEMY_DATABASE_URI"] = bad
    unreachable = project_factory(models=None, SQLALCHEMY_DATABASE_URI=bad)
    result = unreachable.cli("current")
    assert result.exit_code == 4, result.output
    assert "Cannot connect to the database" in _error_line(result.output)
    assert "s3cret" not in result.output
    assert ":***@127.0.0.1:1/" in result.output


def test_missing_migrations_folder(project_factory: ProjectFactory) -> None:
    result = project_factory().cli("upgrade")
    assert result.exit_code == 3
    assert "flask db init" in _error_line(result.output)


def test_database_not_up_to_date(project_factory: ProjectFactory) -> None:
    project = _ready(project_factory)
    result = project.cli("migrate", "-m", "x")
    assert result.exit_code == 6
    assert "flask db upgrade" in _error_line(result.output)
    assert len(project.scripts()) == 1


def test_several_heads(project_factory: ProjectFactory) -> None:
    project = _ready(project_factory)
    project.ok("revision", "-m", "b", "--rev-id", "bbb001", "--head", "base", "--splice")
    result = project.cli("upgrade")
    assert result.exit_code == 5
    line = _error_line(result.output)
    assert "aaa001" in line and "bbb001" in line and "flask db merge" in line


def test_unknown_revision_in_the_folder(project_factory: ProjectFactory) -> None:
    project = _ready(project_factory)
    result = project.cli("upgrade", "zzz999")
    assert result.exit_code == 5
    assert "Unknown revision 'zzz999'" in _error_line(result.output)


def test_unknown_revision_in_the_database(project_factory: ProjectFactory) -> None:
    project = _ready(project_factory)
    project.ok("upgrade")
    (project.directory / "versions" / "aaa001_first.py").unlink()
    project.ok("revision", "-m", "other", "--rev-id", "ccc001")
    for command in (("current",), ("upgrade",)):
        result = project.cli(*command)
        assert result.exit_code == 5, (command, result.output)
        line = _error_line(result.output)
        assert "database is at revision aaa001" in line and "stamp --purge" in line


def test_duplicate_revision_ids(project_factory: ProjectFactory) -> None:
    project = _ready(project_factory)
    original = project.directory / "versions" / "aaa001_first.py"
    (project.directory / "versions" / "copy_of_first.py").write_text(original.read_text())
    result = project.cli("heads")
    assert result.exit_code == 5
    line = _error_line(result.output)
    assert "aaa001" in line and "copy_of_first.py" in line and "aaa001_first.py" in line


def test_cycle(project_factory: ProjectFactory) -> None:
    project = _ready(project_factory)
    versions = project.directory / "versions"
    (versions / "c1.py").write_text("revision = 'c1'\ndown_revision = 'c2'\n")
    (versions / "c2.py").write_text("revision = 'c2'\ndown_revision = 'c1'\n")
    result = project.cli("heads")
    assert result.exit_code == 5
    assert "cycle" in _error_line(result.output)


def test_revision_file_that_does_not_import(project_factory: ProjectFactory) -> None:
    project = _ready(project_factory)
    broken = project.directory / "versions" / "broken.py"
    broken.write_text("revision = 'b1'\ndown_revision = 'aaa001'\nimport not_a_module_anywhere\n")
    # The revision index reads the header without running the file, so reading
    # commands work; the file fails when it is about to run.
    listed = project.cli("history")
    assert listed.exit_code == 0 and "aaa001 -> b1 (head)" in listed.output
    result = project.cli("upgrade")
    assert result.exit_code == 5
    line = _error_line(result.output)
    assert "broken.py" in line and "not_a_module_anywhere" in line


def test_dangling_down_revision(project_factory: ProjectFactory) -> None:
    project = _ready(project_factory)
    (project.directory / "versions" / "d1.py").write_text(
        "revision = 'd1'\ndown_revision = 'gone42'\n"
    )
    result = project.cli("heads")
    assert result.exit_code == 5
    line = _error_line(result.output)
    assert "gone42" in line and "d1" in line


def test_failing_migration_names_the_revision(project_factory: ProjectFactory) -> None:
    project = _ready(project_factory)
    script = project.directory / "versions" / "aaa001_first.py"
    script.write_text(
        script.read_text().replace(
            "def upgrade():\n    pass",
            "def upgrade():\n    op.execute('SELECT * FROM no_such_table_here')",
        )
    )
    result = project.cli("upgrade")
    assert result.exit_code == 1
    line = _error_line(result.output)
    assert line.startswith(
        "Error: Migration aaa001 failed at op.execute('SELECT * FROM no_such_table_here') on line "
    ) and "no_such_table_here" in line.split(": ", 2)[2]


def test_unexpected_errors_suggest_traceback(project_factory: ProjectFactory) -> None:
    project = _ready(project_factory)
    script = project.directory / "versions" / "aaa001_first.py"
    script.write_text(
        script.read_text().replace("def upgrade():\n    pass", "def upgrade():\n    1 / 0")
    )
    result = project.cli("upgrade")
    assert result.exit_code == 1
    assert "--traceback" in _error_line(result.output)
    assert isinstance(project.cli("--traceback", "upgrade").exception, ZeroDivisionError)


def test_usage_errors_exit_2(project_factory: ProjectFactory) -> None:
    assert project_factory().cli("upgrade", "--no-such-option").exit_code == 2


def test_api_raises_typed_errors_instead_of_exiting(project_factory: ProjectFactory) -> None:
    project = _ready(project_factory)
    with pytest.raises(errors.UnknownRevisionError) as caught:
        project.call(flask_remodel.upgrade, revision="zzz999")
    assert caught.value.exit_code == 5
    assert isinstance(caught.value, errors.RemodelError)


@pytest.mark.needs_latest  # Flask-SQLAlchemy 2.5 fills in an in-memory default itself
def test_binds_without_a_default_database_say_which_setting_is_missing(tmp_path: Path) -> None:
    from flask_sqlalchemy import SQLAlchemy

    app = Flask("binds_only")
    app.config["SQLALCHEMY_BINDS"] = {"audit": f"sqlite:///{tmp_path / 'a.db'}"}
    flask_remodel.Migrate(app, SQLAlchemy(app), directory=str(tmp_path / "m"))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "init", "--multidb"]).exit_code == 0
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 3
    assert "SQLALCHEMY_DATABASE_URI" in _error_line(result.output)


def test_check_heads_message_fits_the_command(project_factory: ProjectFactory) -> None:
    project = _ready(project_factory)
    result = project.cli("current", "--check-heads")
    assert result.exit_code == 6
    line = _error_line(result.output)
    assert "flask db upgrade" in line and "generating" not in line


def test_catch_errors_keeps_flask_migrate_scripts_working(
    project_factory: ProjectFactory, caplog: pytest.LogCaptureFixture
) -> None:
    project = _ready(project_factory)
    guarded_upgrade = flask_remodel.catch_errors(flask_remodel.upgrade)
    with project.app.app_context(), pytest.raises(SystemExit) as exited:
        guarded_upgrade(revision="zzz999")
    assert exited.value.code == 1
    assert "Error: Unknown revision 'zzz999'" in caplog.text
