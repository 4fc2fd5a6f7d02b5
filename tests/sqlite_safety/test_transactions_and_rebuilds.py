"""Migrations that fail leave nothing behind; rebuilds keep rows, references and triggers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations

from flask_remodel.sqlite import SQLiteRebuildError
from flask_remodel.sqlite import install_sqlite_rebuilds
from projects import Project
from projects import ProjectFactory
from projects import rows
from projects import tables


def _revision(project: Project, rev_id: str, upgrade: str, downgrade: str = "pass") -> None:
    project.ok("revision", "-m", rev_id, "--rev-id", rev_id)
    path = project.directory / "versions" / f"{rev_id}_{rev_id}.py"
    text = path.read_text()
    text = text.replace("def upgrade():\n    pass", "def upgrade():\n" + _indent(upgrade))
    text = text.replace("def downgrade():\n    pass", "def downgrade():\n" + _indent(downgrade))
    path.write_text(text)


def _indent(code: str) -> str:
    return "".join(f"    {line}\n" for line in code.strip().splitlines())


PARENT_AND_CHILDREN = """
op.create_table('parent', sa.Column('id', sa.Integer, primary_key=True),
                sa.Column('name', sa.String(20), nullable=True))
op.create_table('child', sa.Column('id', sa.Integer, primary_key=True),
                sa.Column('parent_id', sa.Integer,
                          sa.ForeignKey('parent.id', name='fk_child_parent', ondelete='CASCADE')),
                sa.Column('step_id', sa.Integer,
                          sa.ForeignKey('parent.id', name='fk_child_step', ondelete='SET NULL')))
op.execute("INSERT INTO parent (id, name) VALUES (1, 'a'), (2, 'b')")
op.execute("INSERT INTO child (id, parent_id, step_id) VALUES (10, 1, 2), (11, 2, 1), (12, 2, 2)")
"""


def test_a_failing_revision_keeps_nothing_of_itself(project_factory: ProjectFactory) -> None:
    project = project_factory(models=None)
    project.ok("init")
    _revision(
        project, "r1", "op.create_table('kept', sa.Column('id', sa.Integer, primary_key=True))"
    )
    _revision(
        project,
        "r2",
        "op.create_table('half', sa.Column('id', sa.Integer, primary_key=True))\n"
        "op.execute('SELECT * FROM no_such_table')",
    )
    result = project.cli("upgrade")
    assert result.exit_code == 1
    found = tables(project_factory)
    assert "kept" in found
    assert rows(project_factory, "alembic_version", "version_num") == [("r1",)]
    if project_factory.url.startswith("mysql"):
        assert "half" in found  # MariaDB commits DDL by itself; the message says so
        assert "what ran before the failure is kept" in result.output
    else:
        assert "half" not in found
        assert "Nothing of it was kept" in result.output


def _enforce_foreign_keys(project: Project) -> None:
    """What apps do: turn SQLite's foreign keys on for every connection."""
    with project.app.app_context():
        engine = project.db.engine

    @sa.event.listens_for(engine, "connect")
    def on(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.execute("PRAGMA foreign_keys=ON")


@pytest.mark.backends("sqlite")
def test_rebuild_keeps_cascading_and_set_null_references(project_factory: ProjectFactory) -> None:
    project = project_factory(models=None)
    _enforce_foreign_keys(project)
    project.ok("init")
    _revision(project, "r1", PARENT_AND_CHILDREN)
    _revision(
        project,
        "r2",
        "with op.batch_alter_table('parent') as batch:\n"
        "    batch.alter_column('name', existing_type=sa.String(20), nullable=False)",
    )
    project.ok("upgrade")
    assert rows(project_factory, "child", "id", "parent_id", "step_id") == [
        (10, 1, 2), (11, 2, 1), (12, 2, 2),
    ]
    with project.app.app_context(), project.db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


@pytest.mark.backends("sqlite")
def test_a_revision_that_breaks_references_is_rolled_back(project_factory: ProjectFactory) -> None:
    project = project_factory(models=None)
    _enforce_foreign_keys(project)
    project.ok("init")
    _revision(project, "r1", PARENT_AND_CHILDREN)
    _revision(project, "r2", "op.execute('DELETE FROM parent WHERE id = 1')")
    result = project.cli("upgrade")
    assert result.exit_code == 1
    assert "child -> parent" in result.output and "Nothing of it was kept" in result.output
    assert rows(project_factory, "parent", "id") == [(1,), (2,)]
    assert rows(project_factory, "alembic_version", "version_num") == [("r1",)]


HAND_WRITTEN = """
op.alter_column('parent', 'name', existing_type=sa.String(20), nullable=False)
op.alter_column('parent', 'name', existing_type=sa.String(20), type_=sa.String(40),
                existing_nullable=False)
op.create_unique_constraint('uq_parent_name', 'parent', ['name'])
op.create_check_constraint('ck_parent_name', 'parent', "name <> ''")
op.add_column('child', sa.Column('other_id', sa.Integer))
op.create_foreign_key('fk_child_other', 'child', 'parent', ['other_id'], ['id'])
op.drop_constraint('fk_child_other', 'child', type_='foreignkey')
"""

HAND_WRITTEN_DOWN = """
op.drop_column('child', 'other_id')
op.drop_constraint('ck_parent_name', 'parent', type_='check')
op.drop_constraint('uq_parent_name', 'parent', type_='unique')
op.alter_column('parent', 'name', existing_type=sa.String(40), type_=sa.String(20),
                nullable=True)
"""


def test_scripts_written_without_batch_mode_run_on_every_database(
    project_factory: ProjectFactory,
) -> None:
    project = project_factory(models=None)
    project.ok("init")
    _revision(project, "r1", PARENT_AND_CHILDREN)
    _revision(project, "r2", HAND_WRITTEN, HAND_WRITTEN_DOWN)
    project.ok("upgrade")
    engine = project_factory.engine()
    inspector = sa.inspect(engine)
    name = next(c for c in inspector.get_columns("parent") if c["name"] == "name")
    assert name["nullable"] is False and name["type"].length == 40
    assert "uq_parent_name" in {u["name"] for u in inspector.get_unique_constraints("parent")}
    engine.dispose()
    assert rows(project_factory, "child", "id") == [(10,), (11,), (12,)]
    project.ok("downgrade")
    engine = project_factory.engine()
    assert "uq_parent_name" not in {
        u["name"] for u in sa.inspect(engine).get_unique_constraints("parent")
    }
    engine.dispose()
    assert rows(project_factory, "parent", "id", "name") == [(1, "a"), (2, "b")]


@pytest.mark.backends("sqlite")
def test_triggers_survive_a_rebuild(project_factory: ProjectFactory) -> None:
    project = project_factory(models=None)
    project.ok("init")
    _revision(
        project,
        "r1",
        PARENT_AND_CHILDREN
        + "op.create_table('log', sa.Column('note', sa.String(20)))\n"
        + "op.execute(\"CREATE TRIGGER parent_log AFTER INSERT ON parent "
        + "BEGIN INSERT INTO log (note) VALUES (NEW.name); END\")",
    )
    _revision(
        project,
        "r2",
        "op.alter_column('parent', 'name', existing_type=sa.String(20), nullable=False)",
    )
    project.ok("upgrade")
    engine = project_factory.engine()
    with engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO parent (id, name) VALUES (3, 'c')")
    engine.dispose()
    assert rows(project_factory, "log", "note") == [("c",)]


@pytest.mark.backends("sqlite")
def test_rebuild_refuses_to_run_with_foreign_keys_enforced(tmp_path: Path) -> None:
    """An old env.py gives Alembic the app's own connection, pragma and all."""
    install_sqlite_rebuilds()
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, a VARCHAR(5))")
        operations = Operations(MigrationContext.configure(connection))
        with pytest.raises(SQLiteRebuildError, match="foreign keys enforced"):
            operations.alter_column("t", "a", existing_type=sa.String(5), nullable=False)
    engine.dispose()


def test_installing_twice_changes_nothing() -> None:
    install_sqlite_rebuilds()
    install_sqlite_rebuilds()
    from alembic.operations import ops

    fn = Operations._to_impl.dispatch(ops.AlterColumnOp("t", "c"), "default")
    assert fn.__module__ == "flask_remodel.sqlite.rebuild"
