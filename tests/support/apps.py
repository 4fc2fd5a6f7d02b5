"""Flask apps with Flask-SQLAlchemy and ``flask_remodel.Migrate``, built in-process.

``AppFactory`` is what the ``make_app`` fixture hands out. Each call builds a new
Flask app, a new ``SQLAlchemy`` object and a ``Migrate`` with its migrations
folder in ``tmp_path``; no files are written, no directory is changed, and
``flask db ...`` runs through ``app.test_cli_runner()``. It works with
Flask-SQLAlchemy 3.1 (one ``MetaData`` per bind, ``db.metadatas``) and 2.5
(one ``MetaData``, the bind in ``Table.info``).

Changing the models between ``flask db migrate`` calls
--------------------------------------------------------
Autogenerate compares the database with ``db.metadata`` (``db.metadatas`` on
Flask-SQLAlchemy 3), so a test changes the models by changing that metadata:

* a new table: ``made.add_table("post", sa.Column("id", sa.Integer, primary_key=True))``
  declares a ``db.Model`` subclass for it (a plain ``db.Table`` when no column is
  a primary key); ``bind_key=`` puts it on a bind;
* a new column: ``made.add_column("user", sa.Column("email", sa.String(120)))``
  appends it to the existing ``Table`` (the ORM class does not see it, which
  autogenerate does not need).

The same two functions exist as ``add_table(db, ...)`` / ``add_column(db, ...)``
for use inside a ``define_models`` callable. Anything else (dropping or
altering a column, renaming) is done as in real life: call ``make_app`` again
with other models; the new app uses the same database and migrations folder.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

import sqlalchemy as sa
from click.testing import CliRunner
from click.testing import Result
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

if TYPE_CHECKING:
    from flask_remodel import Migrate

DefineModels = Callable[[Any], object]
"""Called with the ``SQLAlchemy`` object; declares models on it."""

_UNSET: Any = object()


def metadatas(db: Any) -> dict[str | None, sa.MetaData]:
    """Every ``MetaData`` of *db*, by bind key (Flask-SQLAlchemy 2.5 has just one)."""
    found = getattr(db, "metadatas", None)
    if found is not None:
        return dict(found)
    return {None: db.metadata}


def _class_name(table: str) -> str:
    words = [word for word in re.split(r"[^0-9A-Za-z]+", table) if word]
    name = "".join(word[:1].upper() + word[1:] for word in words) or "Table"
    return name if name[0].isalpha() else f"T{name}"


def add_table(
    db: Any, name: str, *columns: sa.Column[Any], bind_key: str | None = None
) -> sa.Table:
    """Declare table *name* with *columns* on *db*; return its ``Table``.

    With a primary key column this declares a ``db.Model`` subclass (named after
    the table, ``audit_log`` -> ``AuditLog``), as an app would; without one, a
    plain ``db.Table`` (e.g. an association table). Columns must be new
    ``sa.Column`` objects (a column belongs to one table only).
    """
    if any(column.primary_key for column in columns):
        attrs: dict[str, Any] = {"__tablename__": name}
        if bind_key is not None:
            attrs["__bind_key__"] = bind_key
        for column in columns:
            attrs[column.key] = column
        model: Any = type(_class_name(name), (db.Model,), attrs)
        table: sa.Table = model.__table__
        return table
    if hasattr(db, "metadatas"):  # Flask-SQLAlchemy 3
        created: sa.Table = db.Table(name, *columns, bind_key=bind_key)
    else:  # Flask-SQLAlchemy 2.5 reads the bind from the table's info
        created = db.Table(name, *columns, info={"bind_key": bind_key})
    return created


def find_table(db: Any, table: str | sa.Table) -> sa.Table:
    """The ``Table`` called *table* in any of *db*'s metadatas."""
    if isinstance(table, sa.Table):
        return table
    found = [md.tables[table] for md in metadatas(db).values() if table in md.tables]
    if len(found) != 1:
        where = "no" if not found else f"{len(found)}"
        raise LookupError(f"{where} table named {table!r} in the models")
    return found[0]


def add_column(db: Any, table: str | sa.Table, column: sa.Column[Any]) -> sa.Column[Any]:
    """Append *column* to an existing table of *db* (by name or ``Table``); return it."""
    find_table(db, table).append_column(column)
    return column


def _engines(app: Flask, db: Any) -> dict[str | None, sa.engine.Engine]:
    """The app's engines by bind key, without opening a connection."""
    with app.app_context():
        engines = getattr(db, "engines", None)  # Flask-SQLAlchemy 3
        if engines is not None:
            return dict(engines)
        keys = [None, *(app.config.get("SQLALCHEMY_BINDS") or {})]
        if app.config.get("SQLALCHEMY_DATABASE_URI") is None:
            keys.remove(None)
        return {key: db.get_engine(app, bind=key) for key in keys}


def _enforce_sqlite_foreign_keys(dbapi_connection: Any, record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()



# Click before 8.2 (the minimum-versions leg) mixes stderr into result.stdout by
# default, so a command's JSON or SQL on stdout would carry its stderr lines.
# There, stdout is kept apart and result.output still has both, as on Click 8.2.
_CLICK_MIXES_STDERR = "mix_stderr" in inspect.signature(CliRunner.__init__).parameters


class _StdoutApartResult(Result):
    @property
    def output(self) -> str:
        return self.stdout + self.stderr

@dataclass
class MadeApp:
    """One Flask app with Flask-SQLAlchemy and Flask-Remodel, as ``make_app`` builds it."""

    app: Flask
    db: Any
    migrate: Migrate
    migrations_dir: Path
    database_url: str | None

    def cli(
        self, *args: str, input: str | None = None, env: Mapping[str, str] | None = None
    ) -> Result:
        """Run ``flask db <args>``; exceptions are caught (see ``result.exception``)."""
        if not _CLICK_MIXES_STDERR:
            runner = self.app.test_cli_runner()
            return runner.invoke(
                args=["db", *args], input=input, env=env, auto_envvar_prefix="FLASK"
            )
        result = self.app.test_cli_runner(mix_stderr=False).invoke(
            args=["db", *args], input=input, env=env, auto_envvar_prefix="FLASK"
        )
        result.__class__ = _StdoutApartResult
        return result

    def ok(self, *args: str, input: str | None = None) -> Result:
        """Like :meth:`cli`, and assert the command succeeded."""
        result = self.cli(*args, input=input)
        assert result.exit_code == 0, (
            f"flask db {' '.join(args)} exited {result.exit_code}:\n{result.output}"
            f"{'' if result.exception is None else repr(result.exception)}"
        )
        return result

    def add_table(
        self, name: str, *columns: sa.Column[Any], bind_key: str | None = None
    ) -> sa.Table:
        """See :func:`add_table`."""
        return add_table(self.db, name, *columns, bind_key=bind_key)

    def add_column(self, table: str | sa.Table, column: sa.Column[Any]) -> sa.Column[Any]:
        """See :func:`add_column`."""
        return add_column(self.db, table, column)

    def scripts(self) -> list[Path]:
        """The revision scripts in the migrations folder, sorted by file name."""
        return sorted((self.migrations_dir / "versions").glob("*.py"))

    def script(self, containing: str) -> Path:
        """The one revision script whose file name contains *containing* (a message slug)."""
        found = [path for path in self.scripts() if containing in path.name]
        if len(found) != 1:
            names = [path.name for path in self.scripts()]
            raise LookupError(f"{len(found)} scripts named like {containing!r} in {names}")
        return found[0]

    def engines(self) -> dict[str | None, sa.engine.Engine]:
        """The app's engines by bind key (``None``: the default database)."""
        return _engines(self.app, self.db)

    def dispose(self) -> None:
        """Close the app's pooled connections (the database fixture drops it next)."""
        with self.app.app_context():
            self.db.session.remove()
        for engine in self.engines().values():
            engine.dispose()


@dataclass
class AppFactory:
    """``make_app(define_models=None, *, database_url=..., binds=None, ...)``; see __call__."""

    default_url: str
    tmp_path: Path
    made: list[MadeApp] = field(default_factory=list)

    def __call__(
        self,
        define_models: DefineModels | None = None,
        *,
        database_url: str | None = _UNSET,
        binds: Mapping[str, str] | None = None,
        directory: str | Path | None = None,
        sqlite_foreign_keys: bool = False,
        config: Mapping[str, Any] | None = None,
        **migrate_kwargs: Any,
    ) -> MadeApp:
        """Build an app; every call in a test shares the database and migrations folder.

        :param define_models: called with the new ``db`` to declare models.
        :param database_url: the default database; the test's ``database_url`` when
            not given, ``None`` for an app with binds only.
        :param binds: ``SQLALCHEMY_BINDS`` (bind key -> URL; see ``make_database``).
        :param directory: the migrations folder; default ``tmp_path / "migrations"``.
        :param sqlite_foreign_keys: run ``PRAGMA foreign_keys=ON`` on each new
            connection of the app's SQLite engines, as many apps do (off by default).
        :param config: more app config, set before Flask-SQLAlchemy reads it.
        :param migrate_kwargs: passed on to ``Migrate(app, db, directory=..., **kwargs)``.
        """
        url = self.default_url if database_url is _UNSET else database_url
        folder = Path(directory) if directory is not None else self.tmp_path / "migrations"
        if not folder.is_absolute():
            folder = self.tmp_path / folder
        app = Flask(
            f"remodel_test_app_{len(self.made)}",
            root_path=str(self.tmp_path),
            instance_path=str(self.tmp_path / "instance"),
        )
        app.config["TESTING"] = True
        app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = False
        if url is not None:
            app.config["SQLALCHEMY_DATABASE_URI"] = url
        if binds:
            app.config["SQLALCHEMY_BINDS"] = dict(binds)
        app.config.update(config or {})
        # Imported here so the database fixtures work even while the package does not import.
        from flask_remodel import Migrate

        db = SQLAlchemy(app)
        if define_models is not None:
            define_models(db)
        migrate = Migrate(app, db, directory=str(folder), **migrate_kwargs)
        made = MadeApp(app, db, migrate, folder, url)
        self.made.append(made)
        if sqlite_foreign_keys:
            for engine in made.engines().values():
                if engine.dialect.name == "sqlite":
                    sa.event.listen(engine, "connect", _enforce_sqlite_foreign_keys)
        return made

    def dispose(self) -> None:
        for made in self.made:
            made.dispose()
