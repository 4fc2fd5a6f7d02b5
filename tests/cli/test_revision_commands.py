"""revision, merge, stamp, show, history, heads, branches, current, edit, ensure-version."""

from __future__ import annotations

import os
import re

import sqlalchemy as sa

from projects import Project
from projects import ProjectFactory
from projects import rows
from projects import tables


def _ready(factory: ProjectFactory) -> Project:
    project = factory()
    project.ok("init")
    project.ok("revision", "-m", "first", "--rev-id", "aaa001")
    return project


def test_revision_options(project_factory: ProjectFactory) -> None:
    project = _ready(project_factory)
    project.ok("revision", "-m", "second", "--rev-id", "bbb002", "--branch-label", "core")
    other = project.directory / "elsewhere"
    other.mkdir()

    @project.migrate.configure
    def two_locations(config):  # type: ignore[no-untyped-def]
        versions = project.directory / "versions"
        config.set_main_option("version_locations", f"{versions}{os.pathsep}{other}")
        return config

    project.ok(
        "revision", "-m", "third", "--rev-id", "ccc003", "--head", "aaa001", "--splice",
        "--depends-on", "bbb002", "--version-path", str(other),
    )
    third = (other / "ccc003_third.py").read_text()
    assert "down_revision = 'aaa001'" in third
    assert "depends_on = 'bbb002'" in third or "depends_on = ('bbb002',)" in third
    second = (project.directory / "versions" / "bbb002_second.py").read_text()
    assert "branch_labels = ('core',)" in second


def test_empty_revision_is_written_and_upgrades(project_factory: ProjectFactory) -> None:
    project = _ready(project_factory)
    project.ok("upgrade")
    assert rows(project_factory, "alembic_version", "version_num") == [("aaa001",)]


def test_sql_mode_prints_sql_and_changes_nothing(project_factory: ProjectFactory) -> None:
    project = _ready(project_factory)
    sql = project.ok("upgrade", "--sql").output
    assert "CREATE TABLE alembic_version" in sql
    assert "alembic_version" not in tables(project_factory)
    down = project.ok("downgrade", "--sql", "aaa001:base").output
    assert "DELETE FROM alembic_version" in down
    stamp = project.ok("stamp", "--sql", "aaa001").output
    assert "INSERT INTO alembic_version" in stamp
    assert "alembic_version" not in tables(project_factory)


def test_upgrade_sql_mode_keeps_configure_arguments(project_factory: ProjectFactory) -> None:
    """Flask-Migrate dropped Migrate(**kwargs) in --sql mode (bug B8)."""
    project = project_factory(version_table="custom_versions")
    project.ok("init")
    project.ok("revision", "-m", "first")
    assert "custom_versions" in project.ok("upgrade", "--sql").output


def test_tag_reaches_the_environment(project_factory: ProjectFactory) -> None:
    project = _ready(project_factory)
    seen: list[object] = []

    @project.migrate.configure
    def record(config):  # type: ignore[no-untyped-def]
        seen.append(config)
        return config

    project.ok("upgrade", "--tag", "release-7")
    assert seen, "configure callbacks run for every command"


def test_stamp_several_revisions_and_purge(project_factory: ProjectFactory) -> None:
    project = _ready(project_factory)
    project.ok("revision", "-m", "b1", "--rev-id", "bbb001", "--head", "base", "--splice")
    project.ok("stamp", "aaa001", "bbb001")
    assert sorted(rows(project_factory, "alembic_version", "version_num")) == [
        ("aaa001",), ("bbb001",),
    ]
    engine = project_factory.engine()
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = 'deadbeef'"
                                   " WHERE version_num = 'aaa001'"))
    engine.dispose()
    assert project.cli("stamp", "bbb001").exit_code == 5  # unknown revision in the database
    project.ok("stamp", "--purge", "aaa001")
    assert rows(project_factory, "alembic_version", "version_num") == [("aaa001",)]


def test_merge_without_revisions_merges_the_heads(project_factory: ProjectFactory) -> None:
    project = _ready(project_factory)
    single = project.cli("merge")
    assert single.exit_code == 1 and "nothing to merge" in single.output
    project.ok("revision", "-m", "b1", "--rev-id", "bbb001", "--head", "base", "--splice")
    two_heads = project.cli("upgrade")
    assert two_heads.exit_code == 5 and "flask db merge" in two_heads.output
    project.ok("merge", "-m", "join", "--rev-id", "mmm001")
    merged = (project.directory / "versions" / "mmm001_join.py").read_text()
    assert "down_revision = ('aaa001', 'bbb001')" in merged or (
        "down_revision = ('bbb001', 'aaa001')" in merged
    )
    assert project.lines("heads") == ["mmm001 (head)"]
    project.ok("upgrade")
    branches = project.ok("branches").output
    assert "base" not in branches  # no revision branches from another here


def test_merge_named_revisions_with_label(project_factory: ProjectFactory) -> None:
    project = _ready(project_factory)
    project.ok("revision", "-m", "b1", "--rev-id", "bbb001", "--head", "base", "--splice")
    project.ok("merge", "aaa001", "bbb001", "-m", "j", "--branch-label", "joined")
    assert "(joined)" in project.ok("heads").output


def test_inspection_commands(project_factory: ProjectFactory) -> None:
    project = _ready(project_factory)
    project.ok("revision", "-m", "second", "--rev-id", "bbb002")
    project.ok("revision", "-m", "side", "--rev-id", "ccc003", "--head", "aaa001", "--splice")
    project.ok("upgrade", "bbb002")

    assert "Rev: bbb002" in project.ok("show", "bbb002").output
    assert "Rev: bbb002" in project.ok("show", "current").output
    heads = project.ok("heads").output.split()
    assert "bbb002" in heads and "ccc003" in heads
    assert "Rev: " in project.ok("heads", "-v").output
    assert project.ok("heads", "--resolve-dependencies").exit_code == 0
    assert "aaa001 (branchpoint)" in project.ok("branches").output
    assert "Rev: aaa001" in project.ok("branches", "-v").output

    history = project.lines("history")
    assert len(history) == 3
    marked = project.ok("history", "-i").output
    assert re.search(r"bbb002 \(head\) \(current\)", marked)
    ranged = project.lines("history", "-r", "base:aaa001")
    assert len(ranged) == 1 and "aaa001" in ranged[0]
    assert "Path:" in project.ok("history", "-v").output
    since = project.ok("history", "-r", "current:").output
    assert "bbb002" in since

    assert project.lines("current") == ["bbb002 (head)"]
    assert "Rev: bbb002" in project.ok("current", "-v").output
    assert project.cli("current", "--check-heads").exit_code == 6
    project.ok("upgrade", "heads")
    assert project.ok("current", "--check-heads").exit_code == 0


def test_edit_opens_the_editor(project_factory: ProjectFactory) -> None:
    project = _ready(project_factory)
    result = project.cli("edit", env={"EDITOR": "true"})
    assert result.exit_code == 0, result.output
    project.ok("upgrade")
    assert project.cli("edit", "current", env={"EDITOR": "true"}).exit_code == 0


def test_ensure_version_creates_the_version_table(project_factory: ProjectFactory) -> None:
    project = _ready(project_factory)
    assert "alembic_version" not in tables(project_factory)
    project.ok("ensure-version")
    assert "alembic_version" in tables(project_factory)
    assert "CREATE TABLE alembic_version" in project.ok("ensure-version", "--sql").output


def test_x_arguments_reach_the_environment_once(project_factory: ProjectFactory) -> None:
    """Flask-Migrate passed group-level -x values twice (bug B3)."""
    project = _ready(project_factory)
    seen: list[list[str]] = []

    @project.migrate.configure
    def record(config):  # type: ignore[no-untyped-def]
        seen.append(list(config.cmd_opts.x))
        return config

    project.ok("-x", "a=1", "upgrade", "-x", "b=2")
    assert seen[-1] == ["a=1", "b=2"]
    project.ok("-x", "c=3", "migrate", "-m", "m")
    assert seen[-1] == ["c=3"]


def test_verbose_shows_sql_and_traceback_shows_the_trace(project_factory: ProjectFactory) -> None:
    project = _ready(project_factory)
    result = project.ok("-v", "upgrade")
    assert "alembic_version" in result.output and "INSERT INTO" in result.output.upper()
    by_env = project.cli("downgrade", env={"FLASK_DB_VERBOSE": "1"})
    assert by_env.exit_code == 0 and "DELETE FROM alembic_version" in by_env.output
    quiet = project.ok("current")
    assert "SELECT" not in quiet.output
    failing = project.cli("--traceback", "upgrade", "nope")
    # The trace is printed, and the exit code stays the error's own (5: unknown revision).
    assert failing.exit_code == 5
    assert "Traceback" in failing.output and "nope" in failing.output


def test_migrate_options(project_factory: ProjectFactory) -> None:
    from projects import users_v1
    from projects import users_v2

    first = project_factory(users_v1)
    first.ok("init")
    first.ok("migrate", "-m", "one", "--rev-id", "one001", "--branch-label", "app")
    first.ok("upgrade")
    second = project_factory(users_v2)
    second.ok(
        "migrate", "-m", "two", "--rev-id", "two002", "--head", "app@head",
        "--depends-on", "one001",
    )
    text = (second.directory / "versions" / "two002_two.py").read_text()
    assert "down_revision = 'one001'" in text and "'one001'" in text.split("depends_on")[1]
    assert "branch_labels = ('app',)" in (
        second.directory / "versions" / "one001_one.py"
    ).read_text()
    offline = second.cli("migrate", "--sql")
    assert offline.exit_code == 1
    assert "--sql with --autogenerate" in offline.output
    assert len(second.scripts()) == 2


def test_merge_splice(project_factory: ProjectFactory) -> None:
    import inspect

    from alembic import command

    project = _ready(project_factory)
    project.ok("revision", "-m", "b", "--rev-id", "bbb002")
    result = project.cli("merge", "--splice", "aaa001", "bbb002", "-m", "odd")
    if "splice" in inspect.signature(command.merge).parameters:
        assert result.exit_code == 0, result.output
    else:
        assert result.exit_code == 1
        assert "needs Alembic 1.20" in result.output


def test_offline_options_given_to_migrate_are_used_not_duplicated(
    project_factory: ProjectFactory,
) -> None:
    project = project_factory(literal_binds=True, dialect_opts={"paramstyle": "named"})
    project.ok("init")
    project.ok("revision", "-m", "first")
    assert "CREATE TABLE alembic_version" in project.ok("upgrade", "--sql").output
