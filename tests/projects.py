"""Projects for the command tests: one Flask app per version of the models.

"Changing the models" is done the way it happens in real life: a new app
process with other model classes, over the same database and migrations
folder. Each version here is a fresh Flask app and Flask-SQLAlchemy object.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from click.testing import Result
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_remodel import Migrate

Models = Callable[[Any], None]


def users(
    *, username_length: int = 64, email: bool = False, unique_email: bool = False
) -> Models:
    """A ``user`` table; the options are the changes tests make to it."""

    def define(db: Any) -> None:
        attrs: dict[str, Any] = {
            "__tablename__": "user",
            "id": db.Column(db.Integer, primary_key=True),
            "username": db.Column(db.String(username_length), nullable=False),
        }
        if email:
            attrs["email"] = db.Column(db.String(120))
        if unique_email:
            attrs["__table_args__"] = (sa.UniqueConstraint("email"),)
        type("User", (db.Model,), attrs)

    return define


users_v1 = users()
users_v2 = users(email=True)  # the seeds' "Add user email"


def users_and_events(with_kind: bool) -> Models:
    """``user`` on the default database and ``event`` on the ``audit`` bind."""

    def define(db: Any) -> None:
        users_v1(db)
        attrs: dict[str, Any] = {
            "__tablename__": "event",
            "__bind_key__": "audit",
            "id": db.Column(db.Integer, primary_key=True),
        }
        if with_kind:
            attrs["kind"] = db.Column(db.String(20))
        type("Event", (db.Model,), attrs)

    return define


@dataclass
class Project:
    app: Flask
    db: Any
    migrate: Migrate
    url: str
    directory: Path

    def cli(self, *args: str, env: dict[str, str] | None = None) -> Result:
        runner = self.app.test_cli_runner()
        return runner.invoke(args=["db", *args], env=env, auto_envvar_prefix="FLASK")

    def ok(self, *args: str) -> Result:
        result = self.cli(*args)
        assert result.exit_code == 0, result.output
        return result

    def lines(self, *args: str) -> list[str]:
        """A successful command's output without Alembic's log lines."""
        output = self.ok(*args).output
        return [line for line in output.splitlines() if not line.startswith("INFO  [")]

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run a Python API function inside this app's context."""
        with self.app.app_context():
            return fn(*args, **kwargs)

    def scripts(self) -> list[Path]:
        return sorted((self.directory / "versions").glob("*.py"))


@dataclass
class ProjectFactory:
    url: str
    tmp_path: Path
    made: list[Project] = field(default_factory=list)

    def __call__(
        self, models: Models | None = users_v1, directory: str = "migrations", **kwargs: Any
    ) -> Project:
        app = Flask(f"project_{len(self.made)}")
        app.config["SQLALCHEMY_DATABASE_URI"] = self.url
        app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = False
        for key in [k for k in kwargs if k.isupper()]:  # app config, not Migrate arguments
            app.config[key] = kwargs.pop(key)
        db = SQLAlchemy(app)
        if models is not None:
            models(db)
        folder = self.tmp_path / directory
        migrate = Migrate(app, db, directory=str(folder), **kwargs)
        project = Project(app, db, migrate, self.url, folder)
        self.made.append(project)
        return project

    def engine(self) -> sa.engine.Engine:
        return sa.create_engine(self.url, poolclass=sa.pool.NullPool)

    def dispose(self) -> None:
        for project in self.made:
            with project.app.app_context():
                engines = getattr(project.db, "engines", None)
                if engines is not None:
                    for engine in engines.values():
                        engine.dispose()
                else:
                    project.db.get_engine(project.app).dispose()


def rows(factory: ProjectFactory, table: str, *names: str) -> list[tuple[Any, ...]]:
    """The values of *names* in *table*, ordered by the first one."""
    engine = factory.engine()
    selected = sa.table(table, *(sa.column(n) for n in names))
    try:
        with engine.connect() as connection:
            statement = sa.select(*selected.c).order_by(selected.c[names[0]])
            return [tuple(row) for row in connection.execute(statement)]
    finally:
        engine.dispose()


def columns(factory: ProjectFactory, table: str) -> list[str]:
    engine = factory.engine()
    try:
        return [c["name"] for c in sa.inspect(engine).get_columns(table)]
    finally:
        engine.dispose()


def tables(factory: ProjectFactory) -> set[str]:
    engine = factory.engine()
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()




@contextmanager
def second_database(url: str, tmp_path: Path) -> Iterator[str]:
    """Another empty database on the same server as *url* (for binds)."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'second.db'}"
        return
    name = f"remodel_bind_{uuid.uuid4().hex[:10]}"
    admin_db = "postgres" if parsed.get_backend_name() == "postgresql" else None
    server = sa.create_engine(
        parsed.set(database=admin_db), poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT"
    )
    with server.connect() as connection:
        connection.execute(sa.text(f"CREATE DATABASE {name}"))
    try:
        yield parsed.set(database=name).render_as_string(hide_password=False)
    finally:
        force = " WITH (FORCE)" if parsed.get_backend_name() == "postgresql" else ""
        with server.connect() as connection:
            connection.execute(sa.text(f"DROP DATABASE {name}{force}"))
        server.dispose()
