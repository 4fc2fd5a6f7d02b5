"""The Flask-Migrate workflow end to end, on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import sqlalchemy as sa

from projects import ProjectFactory
from projects import columns
from projects import rows
from projects import tables
from projects import users_v1
from projects import users_v2


def _insert_users(factory: ProjectFactory, *names: str) -> None:
    engine = factory.engine()
    user = sa.table("user", sa.column("username"))
    with engine.begin() as connection:
        connection.execute(sa.insert(user), [{"username": n} for n in names])
    engine.dispose()


def test_init_migrate_upgrade_downgrade_upgrade_keeps_rows(project_factory: ProjectFactory) -> None:
    v1 = project_factory(users_v1)
    init = v1.ok("init")
    assert (v1.directory / "env.py").is_file()
    assert (v1.directory / "versions" / ".gitkeep").is_file()
    assert "flask_remodel.environment" in (v1.directory / "env.py").read_text()
    assert "migrations" in init.output

    v1.ok("migrate", "-m", "Create users")
    assert len(v1.scripts()) == 1
    v1.ok("upgrade")
    _insert_users(project_factory, "ada", "grace")

    v2 = project_factory(users_v2)
    made = v2.ok("migrate", "-m", "Add user email")
    assert "Generating" in made.output
    script = [p for p in v2.scripts() if "add_user_email" in p.name][0]
    assert "add_column" in script.read_text()
    v2.ok("upgrade")
    assert "email" in columns(project_factory, "user")
    assert rows(project_factory, "user", "username") == [("ada",), ("grace",)]

    current = v2.ok("current")
    assert "(head)" in current.output
    history = v2.ok("history")
    assert "Add user email" in history.output and "Create users" in history.output
    assert v2.ok("check").output.strip().endswith("No new upgrade operations detected.")

    v2.ok("downgrade")
    assert "email" not in columns(project_factory, "user")
    assert rows(project_factory, "user", "username") == [("ada",), ("grace",)]
    assert v2.cli("current", "--check-heads").exit_code == 6  # not at head any more

    v2.ok("upgrade")
    assert "email" in columns(project_factory, "user")
    assert rows(project_factory, "user", "username") == [("ada",), ("grace",)]
    assert {"user", "alembic_version"} <= tables(project_factory)


def test_batch_mode_is_rendered_only_for_sqlite(project_factory: ProjectFactory) -> None:
    v1 = project_factory(users_v1)
    v1.ok("init")
    v1.ok("migrate", "-m", "one")
    v1.ok("upgrade")
    v2 = project_factory(users_v2)
    v2.ok("migrate", "-m", "two")
    text = [p for p in v2.scripts() if p.name.endswith("_two.py")][0].read_text()
    is_sqlite = project_factory.url.startswith("sqlite")
    assert ("batch_alter_table" in text) == is_sqlite


def test_render_as_batch_given_explicitly_wins(project_factory: ProjectFactory) -> None:
    v1 = project_factory(users_v1, render_as_batch=True)
    v1.ok("init")
    v1.ok("migrate", "-m", "one")
    v1.ok("upgrade")
    v2 = project_factory(users_v2, render_as_batch=True)
    v2.ok("migrate", "-m", "two")
    text = [p for p in v2.scripts() if p.name.endswith("_two.py")][0].read_text()
    assert "batch_alter_table" in text
