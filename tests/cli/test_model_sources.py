"""Flask-SQLAlchemy with binds, Flask-SQLAlchemy-Lite and plain SQLAlchemy models."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import declarative_base

import flask_remodel
from projects import ProjectFactory
from projects import second_database
from projects import users_and_events


def _cli(app: Flask, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=["db", *args])
    assert result.exit_code == 0, result.output
    return result.output


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _plain_metadata(with_note: bool) -> sa.MetaData:
    metadata = sa.MetaData()
    columns: list[Any] = [sa.Column("id", sa.Integer, primary_key=True)]
    if with_note:
        columns.append(sa.Column("note", sa.String(50)))
    sa.Table("thing", metadata, *columns)
    return metadata


@pytest.mark.parametrize("shape", ["metadata", "declarative_base"])
def test_plain_sqlalchemy_models(database_url: str, tmp_path: Path, shape: str) -> None:
    def app_for(with_note: bool) -> Flask:
        metadata = _plain_metadata(with_note)
        models: Any = metadata
        if shape == "declarative_base":
            models = declarative_base(metadata=metadata)
        app = Flask(f"plain_{with_note}")
        app.config["SQLALCHEMY_DATABASE_URI"] = database_url
        flask_remodel.Migrate(app, models, directory=str(tmp_path / "migrations"))
        return app

    first = app_for(False)
    _cli(first, "init")
    _cli(first, "migrate", "-m", "thing")
    _cli(first, "upgrade")
    second = app_for(True)
    _cli(second, "migrate", "-m", "note")
    _cli(second, "upgrade")
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    assert "note" in [c["name"] for c in sa.inspect(engine).get_columns("thing")]
    engine.dispose()
    _cli(second, "downgrade", "base")
    assert "thing" not in _tables(database_url)
    for app in (first, second):
        with app.app_context():
            app.extensions["migrate"].model_source().engine(None).dispose()


@pytest.mark.needs_latest
def test_flask_sqlalchemy_lite(database_url: str, tmp_path: Path) -> None:
    from flask_sqlalchemy_lite import SQLAlchemy

    app = Flask("lite")
    app.config["SQLALCHEMY_ENGINES"] = {"default": database_url}
    db = SQLAlchemy(app)
    metadata = _plain_metadata(True)
    flask_remodel.Migrate(app, db, directory=str(tmp_path / "m"), target_metadata=metadata)
    _cli(app, "init")
    _cli(app, "migrate", "-m", "lite")
    _cli(app, "upgrade")
    assert "thing" in _tables(database_url)
    assert "No new upgrade operations detected." in _cli(app, "check")
    with app.app_context():
        db.engine.dispose()


@pytest.mark.needs_latest
def test_flask_sqlalchemy_lite_without_models_is_explained(tmp_path: Path) -> None:
    from flask_sqlalchemy_lite import SQLAlchemy

    app = Flask("lite_no_models")
    app.config["SQLALCHEMY_ENGINES"] = {"default": f"sqlite:///{tmp_path / 'x.db'}"}
    flask_remodel.Migrate(app, SQLAlchemy(app), directory=str(tmp_path / "m"))
    _cli(app, "init")
    result = app.test_cli_runner().invoke(args=["db", "migrate"])
    assert result.exit_code == 3
    assert "target_metadata=Base.metadata" in result.output


def test_flask_sqlalchemy_binds_with_the_multidb_template(
    project_factory: ProjectFactory, tmp_path: Path
) -> None:
    with second_database(project_factory.url, tmp_path) as audit_url:
        binds = {"audit": audit_url}
        first = project_factory(users_and_events(False), SQLALCHEMY_BINDS=binds)
        first.ok("init", "--multidb")
        first.ok("migrate", "-m", "one")
        script = first.scripts()[0].read_text()
        assert "def upgrade_audit():" in script and "def upgrade_():" in script
        first.ok("upgrade")
        assert "user" in _tables(project_factory.url)
        assert "event" in _tables(audit_url) and "user" not in _tables(audit_url)

        second = project_factory(users_and_events(True), SQLALCHEMY_BINDS=binds)
        second.ok("migrate", "-m", "two")
        second.ok("upgrade")
        engine = sa.create_engine(audit_url, poolclass=sa.pool.NullPool)
        assert "kind" in [c["name"] for c in sa.inspect(engine).get_columns("event")]
        engine.dispose()
        assert "No changes in schema detected." in second.ok("migrate").output
        sql = second.ok("upgrade", "--sql").output
        assert "-- Database: audit" in sql and "-- Database: (default)" in sql
        second.ok("downgrade", "base")
        assert "event" not in _tables(audit_url)
        project_factory.dispose()


def test_target_metadata_may_map_binds_to_declarative_bases(
    database_url: str, tmp_path: Path
) -> None:
    base = declarative_base(metadata=_plain_metadata(False))
    app = Flask("bases_by_bind")
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url
    flask_remodel.Migrate(app, {None: base}, directory=str(tmp_path / "m"))
    _cli(app, "init")
    _cli(app, "migrate", "-m", "thing")
    _cli(app, "upgrade")
    assert "thing" in _tables(database_url)
    with app.app_context():
        app.extensions["migrate"].model_source().engine(None).dispose()


def test_target_metadata_of_the_wrong_kind_is_explained(tmp_path: Path) -> None:
    app = Flask("wrong_kind")
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'x.db'}"
    flask_remodel.Migrate(app, {None: "not metadata"}, directory=str(tmp_path / "m"))
    _cli(app, "init")
    result = app.test_cli_runner().invoke(args=["db", "migrate"])
    assert result.exit_code == 3
    assert "target_metadata must be a MetaData" in result.output


def _alchemical_app(
    flavour: str, url: str, audit_url: str, folder: Path, changed: bool
) -> tuple[Flask, Any]:
    """An app on Alchemical: ``alchemical.flask`` (*flavour* ``"sync"``) or ``alchemical.aio``."""
    from alchemical.core import BaseModel
    from sqlalchemy.orm import DeclarativeBase

    # Alchemical's own Model keeps every app's metadata in one class attribute.
    class Base(BaseModel, DeclarativeBase):
        __abstract__ = True
        __metadatas__ = {}

    app = Flask(f"alchemical_{flavour}_{changed}")
    if flavour == "sync":
        from alchemical.flask import Alchemical

        app.config["ALCHEMICAL_DATABASE_URL"] = url
        app.config["ALCHEMICAL_BINDS"] = {"audit": audit_url}
        db: Any = Alchemical(app, model_class=Base)
    else:
        from alchemical.aio import Alchemical as AsyncAlchemical

        db = AsyncAlchemical(
            _async_url(url), binds={"audit": _async_url(audit_url)}, model_class=Base
        )
    user: dict[str, Any] = {"id": sa.Column(sa.Integer, primary_key=True)}
    if changed:
        user["email"] = sa.Column(sa.String(120), unique=True)
    type("User", (db.Model,), {"__tablename__": "user", **user})
    type("Event", (db.Model,), {
        "__tablename__": "event", "__bind_key__": "audit",
        "id": sa.Column(sa.Integer, primary_key=True),
    })  # fmt: skip
    flask_remodel.Migrate(app, db, directory=str(folder))
    return app, db


def _async_url(url: str) -> str:
    parsed = sa.engine.make_url(url)
    driver = {"sqlite": "aiosqlite", "postgresql": "asyncpg"}[parsed.get_backend_name()]
    return parsed.set(drivername=f"{parsed.get_backend_name()}+{driver}").render_as_string(
        hide_password=False
    )


def _alchemical_workflow(
    flavour: str, database_url: str, audit_url: str, tmp_path: Path
) -> None:
    folder = tmp_path / "migrations"
    first, first_db = _alchemical_app(flavour, database_url, audit_url, folder, changed=False)
    _cli(first, "init", "--multidb")
    _cli(first, "migrate", "-m", "one")
    _cli(first, "upgrade")
    assert "user" in _tables(database_url) and "event" in _tables(audit_url)
    assert "event" not in _tables(database_url)

    second, second_db = _alchemical_app(flavour, database_url, audit_url, folder, changed=True)
    _cli(second, "migrate", "-m", "two")
    script = next(path for path in (folder / "versions").glob("*two.py")).read_text()
    # Alchemical names constraints itself (uq_<table>_<column>); its convention was applied.
    assert "uq_user_email" in script
    _cli(second, "upgrade")
    assert "No new upgrade operations detected." in _cli(second, "check")
    assert "two" in _cli(second, "status")
    # Offline, up to the first revision (SQLite's batch mode reflects the second's table).
    first_revision = next((folder / "versions").glob("*one.py")).name.split("_")[0]
    assert "-- Database: audit" in _cli(second, "upgrade", "--sql", f"base:{first_revision}")
    _cli(second, "downgrade", "base")
    assert "user" not in _tables(database_url) and "event" not in _tables(audit_url)
    if flavour == "sync":  # the async app's own engines never connected: Flask-Remodel's
        for db in (first_db, second_db):  # connections come and go with each use
            for engine in db.engines.values():
                engine.dispose()


@pytest.mark.needs_latest
def test_alchemical(
    database_url: str, make_database: Any, tmp_path: Path
) -> None:
    _alchemical_workflow("sync", database_url, make_database("audit"), tmp_path)


@pytest.mark.needs_latest
@pytest.mark.backends("sqlite", "postgresql")  # Alchemical maps mysql:// to aiomysql
def test_async_alchemical(
    database_url: str, make_database: Any, tmp_path: Path
) -> None:
    """The async Alchemical: Flask-Remodel's own env.py and commands on its engines."""
    _alchemical_workflow("async", database_url, make_database("audit"), tmp_path)


@pytest.mark.needs_latest
@pytest.mark.backends("sqlite")
def test_async_alchemical_python_api(
    database_url: str, make_database: Any, tmp_path: Path
) -> None:
    """From synchronous code, as Flask-Migrate's functions worked (their env.py ran a loop)."""
    app, _ = _alchemical_app(
        "async", database_url, make_database("audit"), tmp_path / "m", changed=True
    )
    with app.app_context():
        flask_remodel.init(multidb=True)
        made = flask_remodel.migrate(message="all")
        assert made.script is not None
        run = flask_remodel.upgrade()
        assert {step.revision for step in run.steps} == {made.script.revision}  # each bind
        assert flask_remodel.check() == []
    assert "user" in _tables(database_url)
