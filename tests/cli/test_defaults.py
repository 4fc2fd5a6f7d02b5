"""The defaults that fix what users file against Flask-Migrate."""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa

import flask_remodel
from projects import ProjectFactory
from projects import tables
from projects import users
from projects import users_v1


def test_empty_autogenerate_writes_no_file(project_factory: ProjectFactory) -> None:
    project = project_factory()
    project.ok("init")
    project.ok("migrate", "-m", "one")
    project.ok("upgrade")
    result = project.ok("migrate", "-m", "nothing")
    assert "No changes in schema detected." in result.output
    assert len(project.scripts()) == 1


def test_models_not_imported_is_refused_with_a_hint(project_factory: ProjectFactory) -> None:
    project = project_factory()
    project.ok("init")
    project.ok("migrate", "-m", "one")
    project.ok("upgrade")
    no_models = project_factory(models=None)
    result = no_models.cli("migrate", "-m", "oops")
    assert result.exit_code == 1
    assert "models were probably not imported" in result.output
    assert len(project.scripts()) == 1  # nothing written, nothing dropped
    assert "user" in tables(project_factory)


def test_tables_without_version_table_suggest_stamp(project_factory: ProjectFactory) -> None:
    project = project_factory()
    with project.app.app_context():
        project.db.create_all()
    project.ok("init")
    result = project.ok("migrate", "-m", "first")
    assert "No changes in schema detected." in result.output
    assert "flask db stamp head" in result.output
    assert project.scripts() == []


def _events(label_default: str) -> Any:
    """An events table with the defaults that gave false alarms, on every database."""

    def define(db: Any) -> None:
        class Event(db.Model):  # type: ignore[name-defined]
            __tablename__ = "event"
            id = db.Column(db.Integer, sa.Identity(), primary_key=True)
            created = db.Column(db.DateTime, server_default=sa.func.now(), nullable=False)
            done = db.Column(db.Boolean, server_default=sa.false(), nullable=False)
            label = db.Column(db.String(20), server_default=label_default)
            count = db.Column(db.Integer, server_default="0")

    return define


_with_defaults = _events("abc")
_with_other_default = _events("xyz")


def test_server_defaults_and_identity_give_no_spurious_diffs(
    project_factory: ProjectFactory,
) -> None:
    project = project_factory(_with_defaults)
    project.ok("init")
    project.ok("migrate", "-m", "events")
    project.ok("upgrade")
    assert "No new upgrade operations detected." in project.ok("check").output
    assert "No changes in schema detected." in project.ok("migrate").output


def test_a_real_server_default_change_is_detected(project_factory: ProjectFactory) -> None:
    project = project_factory(_with_defaults)
    project.ok("init")
    project.ok("migrate", "-m", "events")
    project.ok("upgrade")
    changed = project_factory(_with_other_default)
    result = changed.cli("check")
    assert result.exit_code == 1
    assert "modify_default" in result.output


def test_type_changes_are_compared(project_factory: ProjectFactory) -> None:
    project = project_factory(users_v1)
    project.ok("init")
    project.ok("migrate", "-m", "one")
    project.ok("upgrade")
    result = project_factory(users(username_length=10)).ok("migrate", "-m", "shorter")
    assert "Detected type change" in result.output


def test_unnamed_constraints_get_names_the_downgrade_can_drop(
    project_factory: ProjectFactory,
) -> None:
    project = project_factory(users(email=True))
    project.ok("init")
    project.ok("migrate", "-m", "one")
    project.ok("upgrade")
    unique = project_factory(users(email=True, unique_email=True))
    result = unique.ok("migrate", "-m", "unique email")
    assert "uq_user_email" in result.output
    script = [p for p in unique.scripts() if p.name.endswith("_unique_email.py")][0].read_text()
    assert "constraint(None" not in script
    assert "'uq_user_email'" in script.split("def downgrade")[1]
    unique.ok("upgrade")
    engine = project_factory.engine()
    names = {c["name"] for c in sa.inspect(engine).get_unique_constraints("user")}
    engine.dispose()
    assert "uq_user_email" in names
    unique.ok("downgrade")
    engine = project_factory.engine()
    names = {c["name"] for c in sa.inspect(engine).get_unique_constraints("user")}
    engine.dispose()
    assert "uq_user_email" not in names


def test_api_upgrade_then_migrate_in_one_process_writes_no_empty_file(
    project_factory: ProjectFactory,
) -> None:
    """Flask-Migrate kept the first run's hook in a shared dict (bug B1)."""
    project = project_factory()
    project.call(flask_remodel.init)
    assert project.call(flask_remodel.migrate, message="one").script is not None
    project.call(flask_remodel.upgrade)
    again = project.call(flask_remodel.migrate, message="again")
    assert again.empty and again.script is None
    assert len(project.scripts()) == 1


def test_the_apps_loggers_are_left_as_they_were(project_factory: ProjectFactory) -> None:
    app_logger = logging.getLogger("my_app_under_test")
    app_logger.setLevel(logging.DEBUG)
    root_level = logging.getLogger().level
    project = project_factory()
    project.call(flask_remodel.init)
    project.call(flask_remodel.migrate, message="one")
    project.call(flask_remodel.upgrade)
    assert not app_logger.disabled
    assert app_logger.level == logging.DEBUG
    assert logging.getLogger().level == root_level


def test_api_returns_data_and_never_prints(project_factory: ProjectFactory, capsys: Any) -> None:
    project = project_factory()
    folder = project.call(flask_remodel.init)
    assert folder == project.directory
    made = project.call(flask_remodel.migrate, message="one")
    run = project.call(flask_remodel.upgrade)
    assert [step.revision for step in run.steps] == [made.script.revision]
    assert run.steps[0].is_upgrade and run.steps[0].message == "one"
    assert [s.revision for s in project.call(flask_remodel.current)] == [made.script.revision]
    assert [s.revision for s in project.call(flask_remodel.heads)] == [made.script.revision]
    assert project.call(flask_remodel.check) == []
    back = project.call(flask_remodel.downgrade)
    assert back.steps[0].revision is None and not back.steps[0].is_upgrade
    assert project.call(flask_remodel.current) == []
    sql = project.call(flask_remodel.upgrade, sql=True).sql
    assert sql is not None and "CREATE TABLE" in sql
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
