"""A project made by the real Flask-Migrate 4.1 carries on after the import switch."""

from __future__ import annotations

import logging
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

import flask_remodel
from projects import ProjectFactory
from projects import columns
from projects import rows
from projects import second_database
from projects import users_and_events
from projects import users_v1
from projects import users_v2

flask_migrate = pytest.importorskip("flask_migrate")

pytestmark = pytest.mark.needs_latest


def _flask_migrate_app(
    url: str, folder: Path, models: Any, binds: dict[str, str] | None = None
) -> Any:
    app = Flask("made_by_flask_migrate")
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    if binds:
        app.config["SQLALCHEMY_BINDS"] = binds
    db = SQLAlchemy(app)
    models(db)
    flask_migrate.Migrate(app, db, directory=str(folder))
    return app, db


def _run(app: Flask, *args: str) -> str:
    """Run a command of the real Flask-Migrate."""
    with warnings.catch_warnings():
        # Its env.py calls db.get_engine(), deprecated by Flask-SQLAlchemy 3.1.
        warnings.simplefilter("ignore", DeprecationWarning)
        result = app.test_cli_runner().invoke(args=["db", *args])
    assert result.exit_code == 0, result.output
    return result.output


def _dispose(app: Flask, db: Any) -> None:
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()


def _users_made_by_flask_migrate(project_factory: ProjectFactory, folder: Path) -> Path:
    """A project Flask-Migrate itself set up: init, a first revision, upgraded."""
    old_app, old_db = _flask_migrate_app(project_factory.url, folder, users_v1)
    _run(old_app, "init")
    _run(old_app, "migrate", "-m", "Create users")
    _run(old_app, "upgrade")
    _dispose(old_app, old_db)
    return folder


def test_single_database_project_switches_and_carries_on(
    project_factory: ProjectFactory, tmp_path: Path
) -> None:
    folder = _users_made_by_flask_migrate(project_factory, tmp_path / "migrations")
    env_before = (folder / "env.py").read_text()
    assert "fileConfig" in env_before  # really Flask-Migrate's own environment
    engine = project_factory.engine()
    with engine.begin() as connection:
        connection.execute(
            sa.insert(sa.table("user", sa.column("username"))), [{"username": "ada"}]
        )
    engine.dispose()

    # A logger the app sets up after Flask-Migrate's runs above (which disable
    # every logger that exists when they run).
    app_logger = logging.getLogger(f"switched_app_{project_factory.url.split(':')[0]}")
    app_logger.setLevel(logging.INFO)
    project = project_factory(users_v2, directory="migrations")
    made = project.ok("migrate", "-m", "Add user email")
    assert "Generating" in made.output
    project.ok("upgrade")
    assert "email" in columns(project_factory, "user")
    history = project.lines("history")
    assert len(history) == 2 and "Add user email" in history[0]
    project.ok("downgrade")
    assert "email" not in columns(project_factory, "user")
    project.ok("upgrade")
    assert rows(project_factory, "user", "username") == [("ada",)]
    assert "No new upgrade operations detected." in project.ok("check").output
    assert "No changes in schema detected." in project.ok("migrate", "-m", "nothing").output
    assert len(project.scripts()) == 2
    assert (folder / "env.py").read_text() == env_before  # untouched

    # Flask-Migrate's env.py calls fileConfig on every run (bug B5): undone here.
    run = project.call(flask_remodel.downgrade)
    assert [step.message for step in run.steps] == ["Add user email"]
    assert not app_logger.disabled and app_logger.level == logging.INFO


_audit_v1 = users_and_events(False)
_audit_v2 = users_and_events(True)


def test_multidb_project_switches_and_carries_on(
    project_factory: ProjectFactory, tmp_path: Path
) -> None:
    with second_database(project_factory.url, tmp_path) as audit_url:
        folder = tmp_path / "migrations"
        binds = {"audit": audit_url}
        old_app, old_db = _flask_migrate_app(project_factory.url, folder, _audit_v1, binds)
        _run(old_app, "init", "--multidb")
        _run(old_app, "migrate", "-m", "one")
        _run(old_app, "upgrade")
        _dispose(old_app, old_db)

        project = project_factory(_audit_v2, SQLALCHEMY_BINDS=binds)
        project.ok("migrate", "-m", "two")
        project.ok("upgrade")
        audit = sa.create_engine(audit_url, poolclass=sa.pool.NullPool)
        assert "kind" in [c["name"] for c in sa.inspect(audit).get_columns("event")]
        assert "No changes in schema detected." in project.ok("migrate", "-m", "x").output
        project.ok("downgrade", "base")
        assert not sa.inspect(audit).has_table("event")
        audit.dispose()
        assert "user" not in sa.inspect(project_factory.engine()).get_table_names()
        project_factory.dispose()


@pytest.mark.backends("sqlite")
def test_old_env_py_on_sqlite_gets_real_transactions_and_keeps_references(
    project_factory: ProjectFactory, tmp_path: Path
) -> None:
    folder = tmp_path / "migrations"
    old_app, old_db = _flask_migrate_app(project_factory.url, folder, lambda db: None)
    _run(old_app, "init")
    _dispose(old_app, old_db)

    project = project_factory(models=None)
    with project.app.app_context():
        engine = project.db.engine

    @sa.event.listens_for(engine, "connect")
    def enforce(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.execute("PRAGMA foreign_keys=ON")

    versions = folder / "versions"
    (versions / "r1.py").write_text(
        "from alembic import op\nimport sqlalchemy as sa\n"
        "revision = 'r1'\ndown_revision = None\n"
        "def upgrade():\n"
        "    op.create_table('parent', sa.Column('id', sa.Integer, primary_key=True),\n"
        "                    sa.Column('name', sa.String(20)))\n"
        "    op.create_table('child', sa.Column('id', sa.Integer, primary_key=True),\n"
        "        sa.Column('parent_id', sa.Integer,\n"
        "                  sa.ForeignKey('parent.id', name='fk_c_p', ondelete='CASCADE')))\n"
        "    op.execute(\"INSERT INTO parent (id, name) VALUES (1, 'a')\")\n"
        "    op.execute('INSERT INTO child (id, parent_id) VALUES (10, 1), (11, 1)')\n"
        "def downgrade():\n    pass\n"
    )
    (versions / "r2.py").write_text(
        "from alembic import op\nimport sqlalchemy as sa\n"
        "revision = 'r2'\ndown_revision = 'r1'\n"
        "def upgrade():\n"
        "    with op.batch_alter_table('parent') as batch:\n"
        "        batch.alter_column('name', existing_type=sa.String(20), nullable=False)\n"
        "def downgrade():\n    pass\n"
    )
    (versions / "r3.py").write_text(
        "from alembic import op\nimport sqlalchemy as sa\n"
        "revision = 'r3'\ndown_revision = 'r2'\n"
        "def upgrade():\n"
        "    op.create_table('half', sa.Column('id', sa.Integer, primary_key=True))\n"
        "    op.execute('SELECT * FROM no_such_table')\n"
        "def downgrade():\n    pass\n"
    )
    failed = project.cli("upgrade")
    assert failed.exit_code == 1 and "Migration r3 failed" in failed.output
    assert rows(project_factory, "child", "id") == [(10,), (11,)]  # the rebuild kept them
    engine_check = project_factory.engine()
    assert "half" not in sa.inspect(engine_check).get_table_names()  # r3 rolled back whole
    engine_check.dispose()
    assert rows(project_factory, "alembic_version", "version_num") == [("r2",)]
    # The app's pooled connections come back as the app made them.
    with project.app.app_context(), project.db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.connection.driver_connection.isolation_level == ""



# The real Flask-Migrate 4.1 running a project's upgrade in a process of its own,
# where nothing has imported flask_remodel (whose online operations, once
# imported, stay registered with Alembic for the rest of a process).
_FLASK_MIGRATE_UPGRADE = """
import sys
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
import flask_migrate

app = Flask("gone_back")
app.config["SQLALCHEMY_DATABASE_URI"] = sys.argv[1]
flask_migrate.Migrate(app, SQLAlchemy(app), directory=sys.argv[2])
with app.app_context():
    flask_migrate.upgrade()
assert "flask_remodel" not in sys.modules
"""


def _upgrade_with_flask_migrate(url: str, folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-W", "ignore", "-c", _FLASK_MIGRATE_UPGRADE, url, str(folder)],
        capture_output=True, text=True, timeout=120, check=False,
    )


def _users_with_username_index(db: Any) -> None:
    type("User", (db.Model,), {
        "__tablename__": "user",
        "id": db.Column(db.Integer, primary_key=True),
        "username": db.Column(db.String(64), nullable=False, index=True),
    })


@pytest.mark.backends("mariadb")
def test_going_back_to_flask_migrate_needs_the_plain_forms(
    project_factory: ProjectFactory, tmp_path: Path
) -> None:
    # On MariaDB migrate writes Flask-Remodel's online index operation by
    # default; Flask-Migrate has none of them. --no-online (or
    # REMODEL_ONLINE = False) writes scripts it can still run.
    folder = _users_made_by_flask_migrate(project_factory, tmp_path / "migrations")

    project = project_factory(_users_with_username_index)
    assert "Wrote the online forms" in project.ok("migrate", "-m", "Index usernames").output
    (online,) = [p for p in project.scripts() if "index_usernames" in p.name]
    assert "op.create_index_online(" in online.read_text()
    project_factory.dispose()
    failed = _upgrade_with_flask_migrate(project_factory.url, folder)
    assert failed.returncode != 0 and "create_index_online" in failed.stderr, failed.stderr

    online.unlink()
    written = project.ok("migrate", "-m", "Index usernames", "--no-online")
    assert "online forms" not in written.output
    (plain,) = [p for p in project.scripts() if "index_usernames" in p.name]
    assert "_online(" not in plain.read_text()
    project_factory.dispose()
    done = _upgrade_with_flask_migrate(project_factory.url, folder)
    assert done.returncode == 0, done.stderr
    engine = project_factory.engine()
    assert "ix_user_username" in {ix["name"] for ix in sa.inspect(engine).get_indexes("user")}
    engine.dispose()


def _index_validity(engine: sa.Engine, name: str) -> list[bool]:
    with engine.connect() as connection:
        return list(connection.execute(
            sa.text(
                "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
                " WHERE c.relname = :name"
            ),
            {"name": name},
        ).scalars())


@pytest.mark.backends("postgresql")
def test_flask_migrate_runs_the_default_online_index_forms_and_rebuilds_an_invalid_index(
    project_factory: ProjectFactory, tmp_path: Path
) -> None:
    # On PostgreSQL the default (online) index forms are Alembic's own
    # operations: the stock Flask-Migrate env.py runs them, without
    # flask_remodel imported.
    folder = _users_made_by_flask_migrate(project_factory, tmp_path / "migrations")
    project = project_factory(_users_with_username_index)
    assert "Wrote the online forms" in project.ok("migrate", "-m", "Index usernames").output
    (online,) = [p for p in project.scripts() if "index_usernames" in p.name]
    assert "postgresql_concurrently=True" in online.read_text()
    assert "_online(" not in online.read_text()
    project_factory.dispose()
    # A concurrent build that was interrupted leaves an INVALID index of that
    # name behind: the rerun must build it again, not keep it (IF NOT EXISTS).
    engine = project_factory.engine()
    with engine.begin() as connection:
        connection.exec_driver_sql('CREATE INDEX ix_user_username ON "user" (username)')
        connection.exec_driver_sql(
            "UPDATE pg_index SET indisvalid = false"
            " WHERE indexrelid = 'ix_user_username'::regclass"
        )
    assert _index_validity(engine, "ix_user_username") == [False]
    engine.dispose()
    done = _upgrade_with_flask_migrate(project_factory.url, folder)
    assert done.returncode == 0, done.stderr
    engine = project_factory.engine()
    assert _index_validity(engine, "ix_user_username") == [True]
    engine.dispose()
