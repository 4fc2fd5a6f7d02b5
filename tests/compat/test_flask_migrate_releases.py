"""Migrations folders made by every Flask-Migrate release keep working with Flask-Remodel.

Projects keep the env.py their ``flask db init`` wrote years ago. Each case
here downloads a real Flask-Migrate release from PyPI (cached between runs,
see ``support/flask_migrate_releases.py``), lays a migrations folder out with
that release's template exactly as its ``init`` did, then drives a Flask-
SQLAlchemy 3.1 app through the CLI: migrate, upgrade, a model change (a new
column and a new table), migrate, upgrade, downgrade, upgrade, check, an
empty migrate, history, heads, current, and Flask-Remodel's own lint,
status, validate and graph, looking at the database after every step.

Every case also runs with Flask-Migrate 4.1 itself (the ``flask_migrate``
id), on its commands only. Where Flask-Migrate fails, the test asserts that
it still fails the way :data:`FLASK_MIGRATE_FAILS` says: that table is
Flask-Migrate's record, and it cannot go stale silently. To print the
outcome table of both tools, case by case::

    REMODEL_COMPAT_TABLE=1 .venv/bin/python -m pytest tests/compat/test_flask_migrate_releases.py -q

The ``aioflask`` and ``aioflask-multidb`` templates (3.1.0 and later) drive an
async engine: ``async with db.get_engine().connect()``, then
``connection.run_sync(...)``, under ``asyncio.run()`` (3.1.0) or
``asyncio.get_event_loop().run_until_complete()`` (4.0.0 and later). Their
cases give the app an async Alchemical ``db`` (``alchemical.aio.Alchemical``;
the ``aioflask`` package itself is deprecated and not used) on aiosqlite and
asyncpg, and run the same workflow. One more case runs the ``flask`` template
with the synchronous Alchemical (``alchemical.flask.Alchemical``).
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sys
import warnings
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import Result
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from support import add_column
from support import add_table
from support import engine_for
from support import execute
from support import selected_backends
from support.databases import ALL_BACKENDS
from support.flask_migrate_releases import init_folder
from support.flask_migrate_releases import release_file

pytestmark = pytest.mark.needs_latest


# --- The releases -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Release:
    version: str
    same_as: tuple[str, ...]  # releases whose flask and flask-multidb templates are byte-identical
    reaches: str  # how its env.py gets engine, metadata and hook: why it is a line of its own


# One line per distinct env.py. A new release with a new env.py (or a template
# variant) is one more line; a release that only repeats one goes into same_as,
# which test_same_as_releases_ship_identical_templates checks byte for byte.
# fmt: off
RELEASES: tuple[Release, ...] = (
    Release("1.8.1", ("1.8.0", "2.0.0"), "engine_from_config(SQLALCHEMY_DATABASE_URI)"),
    Release("2.5.3", (), "engine_from_config(str(db.engine.url)); db.get_engine(app, bind)"),
    Release("2.7.0", ("3.0.0",), "db.engine; db.get_engine(app=, bind=)"),
    Release("3.1.0", (), "db.get_engine(); db.get_engine(bind=)"),
    Release("4.0.0", (), "db.get_engine(), db.metadatas; get_engine(bind_key=)"),
    Release("4.0.5", ("4.0.6", "4.0.7", "4.1.0"), "get_engine() helper; hook set if absent"),
)
# fmt: on
# The releases neither listed nor in a same_as have env.py files that differ
# from a listed neighbour's only in comments, import order, a ``with`` around
# connect(), an ``except`` that logs and re-raises, ``%`` escaping of the URL,
# how the URL is rendered or the order of get_engine() signatures tried (and
# their script.py.mako only in where the imports go or how bind names are
# listed): not in where the engine, metadata or hook come from.

# The aioflask and aioflask-multidb templates, the same way (3.1.0 added them).
# 4.0.1 to 4.0.4 are left out: next to 4.0.0 they add the get_engine() helper
# that 4.0.5 has (catching TypeError only, so db.get_engine() still answers
# with Alchemical), drop "from __future__ import with_statement" (4.0.3) and
# render the URL with render_as_string() (4.0.4); their script.py.mako,
# alembic.ini.mako and README are 4.0.0's.
# fmt: off
AIO_RELEASES: tuple[Release, ...] = (
    Release("3.1.0", (), "asyncio.run(); db.get_engine(bind=), db.metadata"),
    Release("4.0.0", (), "get_event_loop().run_until_complete(); db.metadatas"),
    Release("4.0.5", ("4.0.6", "4.0.7", "4.1.0"), "get_engine() helper; hook set if absent"),
)
# fmt: on

BASE_RELEASE = "4.1.0"  # the env.py the hand-edited variants start from


# --- Hand-edited env.py variants (small textual edits of the 4.1 env.py) -------------------------

_CONFIGURE = """        context.configure(
            connection=connection,
            target_metadata=get_metadata(),
            **conf_args
        )"""
_SET_HOOK = """    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives
"""
_HOOK_BODY = """                directives[:] = []
                logger.info('No changes in schema detected.')
"""
_LEGACY_FILTER = '''

def include_object(object, name, type_, reflected, compare_to):
    """Leave alone the tables another app owns in this database."""
    return not (type_ == "table" and name.startswith("legacy_"))

'''
LEGACY_TABLE = "legacy_archive"  # in the database, not in the models: include_object hides it


def _replace(text: str, old: str, new: str) -> str:
    # A template that no longer has the anchor must fail the case, not pass it unedited.
    assert text.count(old) == 1, f"anchor not found once in env.py:\n{old}"
    return text.replace(old, new)


def _with_kwarg(argument: str) -> Callable[[str], str]:
    """env.py passes *argument* itself, next to ``**conf_args`` (as in many real apps)."""

    def edit(text: str) -> str:
        return _replace(
            text, "            **conf_args\n", f"            {argument},\n            **conf_args\n"
        )

    return edit


def _own_hook(text: str) -> str:
    """Its own process_revision_directives= (it marks the message), not set in conf_args."""
    text = _replace(text, _SET_HOOK, "")
    text = _replace(
        text,
        _HOOK_BODY,
        _HOOK_BODY + "            else:\n                script.message += ' (env.py hook)'\n",
    )
    return _with_kwarg("process_revision_directives=process_revision_directives")(text)


def _include_object(text: str) -> str:
    text = _replace(
        text, "\n\ndef run_migrations_offline", _LEGACY_FILTER + "\ndef run_migrations_offline"
    )
    return _with_kwarg("include_object=include_object")(text)


def _kwargs_dict(text: str) -> str:
    """Everything in one ``kwargs`` dict of its own, extension's arguments last."""
    text = _replace(
        text, "\n\ndef run_migrations_offline", _LEGACY_FILTER + "\ndef run_migrations_offline"
    )
    return _replace(
        text,
        _CONFIGURE,
        "        kwargs = {\n"
        "            'connection': connection,\n"
        "            'target_metadata': get_metadata(),\n"
        "            'include_object': include_object,\n"
        "        }\n"
        "        kwargs.update(conf_args)\n"
        "        context.configure(**kwargs)",
    )


@dataclass(frozen=True)
class Case:
    id: str
    version: str
    template: str
    edit: Callable[[str], str] | None = None
    legacy_table: bool = False  # the database has LEGACY_TABLE, which must survive
    message_suffix: str = ""  # what env.py's own hook adds to a revision message
    batch_everywhere: bool = False  # env.py forces render_as_batch=True
    db: str = "flask_sqlalchemy"  # the app's db: see Project._build


SINGLE_CASES = [Case(f"flask-{r.version}", r.version, "flask") for r in RELEASES] + [
    Case("edited-own-hook", BASE_RELEASE, "flask", _own_hook, message_suffix=" (env.py hook)"),
    Case("edited-include_object", BASE_RELEASE, "flask", _include_object, legacy_table=True),
    Case("edited-compare_type", BASE_RELEASE, "flask", _with_kwarg("compare_type=True")),
    Case(
        "edited-render_as_batch", BASE_RELEASE, "flask", _with_kwarg("render_as_batch=True"),
        batch_everywhere=True,
    ),
    Case(
        "edited-transaction_per_migration", BASE_RELEASE, "flask",
        _with_kwarg("transaction_per_migration=True"),
    ),
    Case("edited-kwargs-dict", BASE_RELEASE, "flask", _kwargs_dict, legacy_table=True),
    Case("alchemical-flask-4.1.0", BASE_RELEASE, "flask", db="alchemical"),
]  # fmt: skip
MULTIDB_CASES = [Case(f"flask-multidb-{r.version}", r.version, "flask-multidb") for r in RELEASES]
AIO_CASES = [
    Case(f"aioflask-{r.version}", r.version, "aioflask", db="alchemical_aio") for r in AIO_RELEASES
]
AIO_MULTIDB_CASES = [
    Case(f"aioflask-multidb-{r.version}", r.version, "aioflask-multidb", db="alchemical_aio")
    for r in AIO_RELEASES
]

# Flask-Migrate 4.1 (with Flask-SQLAlchemy 3.1, or Alchemical 1.0 where the case
# says) on the same cases: the step where it fails and a piece of the error.
# Every other case passes with it.
_TWICE = "got multiple values for keyword argument"
_NO_BIND_TABLES = ("the schema after upgrade", "audit bind table event missing")
_NO_METADATA = "'Alchemical' object has no attribute 'metadata'"
_NO_SYNC_CONNECTION = "'AsyncConnection' object has no attribute '_sync_connection'"
FLASK_MIGRATE_FAILS: dict[str, tuple[str, str]] = {
    # Before 4.0 the multidb env.py picks a bind's tables from db.metadata by
    # Table.info["bind_key"]; Flask-SQLAlchemy 3 keeps them in db.metadatas.
    "flask-multidb-1.8.1": _NO_BIND_TABLES,
    "flask-multidb-2.5.3": ("migrate", "takes from 1 to 2 positional arguments but 3 were given"),
    "flask-multidb-2.7.0": ("migrate", "takes from 1 to 2 positional arguments but 3 were given"),
    "flask-multidb-3.1.0": _NO_BIND_TABLES,
    "edited-compare_type": ("migrate", f"{_TWICE} 'compare_type'"),
    "edited-render_as_batch": ("migrate", f"{_TWICE} 'render_as_batch'"),
    # 3.1.0's aioflask env.py files read db.metadata, which Alchemical 1.0 does not have.
    "aioflask-3.1.0": ("migrate", _NO_METADATA),
    "aioflask-multidb-3.1.0": ("migrate", _NO_METADATA),
    # Every aioflask-multidb env.py calls AsyncConnection._sync_connection(), a
    # SQLAlchemy 1.4 method that 2.0 removed; Alchemical's async class needs 2.0.
    "aioflask-multidb-4.0.0": ("migrate", _NO_SYNC_CONNECTION),
    "aioflask-multidb-4.0.5": ("migrate", _NO_SYNC_CONNECTION),
}


# --- The two tools ------------------------------------------------------------------------------

TOOLS = ("remodel", "flask_migrate")
TABLE_ENV = "REMODEL_COMPAT_TABLE"  # set: Flask-Migrate on every backend, and the table printed


@contextmanager
def _flask_migrate_side_effects() -> Iterator[None]:
    """What Flask-Migrate's runs leave behind, undone (Flask-Remodel does this itself, bug B5).

    Its env.py calls ``fileConfig()``, which replaces the root logger's handlers
    with one writing to the CLI runner's stderr (closed after the command); its
    ``db.get_engine()`` call warns on Flask-SQLAlchemy 3.1.
    """
    loggers = [logging.getLogger()] + [
        found for found in logging.Logger.manager.loggerDict.values()
        if isinstance(found, logging.Logger)
    ]  # fmt: skip
    saved = [(lg, list(lg.handlers), lg.level, lg.disabled, lg.propagate) for lg in loggers]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            yield
    finally:
        for logger, handlers, level, disabled, propagate in saved:
            logger.handlers[:] = handlers
            logger.setLevel(level)
            logger.disabled = disabled
            logger.propagate = propagate


class StepFailed(Exception):
    def __init__(self, step: str, detail: str) -> None:
        super().__init__(f"{step}: {detail}")
        self.step = step
        self.detail = detail


def _define_models(db: Any, multidb: bool, changed: bool) -> None:
    add_table(
        db, "user",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
    )  # fmt: skip
    if multidb:
        add_table(db, "event", sa.Column("id", sa.Integer, primary_key=True), bind_key="audit")
    if changed:
        _change_models(db, multidb)


def _change_models(db: Any, multidb: bool) -> None:
    """The change under test: a new column and a new table (and a column on the other bind)."""
    add_column(db, "user", sa.Column("email", sa.String(120)))
    add_table(
        db, "post",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.String(100)),
    )  # fmt: skip
    if multidb:
        add_column(db, "event", sa.Column("kind", sa.String(20)))


def _print_to_current_stdout(config: Any) -> Any:
    config.stdout = sys.stdout
    return config


def _dispose(app: Flask, db: Any, loop: asyncio.AbstractEventLoop | None = None) -> None:
    if isinstance(db, SQLAlchemy):
        with app.app_context():
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()
        return
    # Alchemical creates its engines on first use. An async engine's pooled
    # connections are closed in the loop that opened them (Flask-Migrate's
    # command loop); Flask-Remodel leaves none in the app's pools.
    for engine in (db.engines or {}).values():
        if hasattr(engine, "sync_engine"):
            if loop is not None:
                loop.run_until_complete(engine.dispose())
            else:
                asyncio.run(engine.dispose())
        else:
            engine.dispose()


@contextmanager
def _connections_returned(db: Any, loop: asyncio.AbstractEventLoop) -> Iterator[None]:
    """The async connections a failed command left checked out, returned in *loop*.

    Flask-Migrate's aioflask-multidb env.py fails between opening its
    connections and closing them. Left to the garbage collector, SQLAlchemy
    warns about each (an error in this suite) in whatever test runs then, and
    cannot close them without the loop that opened them.
    """
    from sqlalchemy.util.concurrency import greenlet_spawn

    db.get_engine()  # Alchemical creates every bind's engine at once
    pools = [engine.sync_engine.pool for engine in db.engines.values()]
    out: dict[int, Any] = {}

    def checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        out[id(record)] = proxy

    def checkin(dbapi_connection: Any, record: Any) -> None:
        out.pop(id(record), None)

    for pool in pools:
        sa.event.listen(pool, "checkout", checkout)
        sa.event.listen(pool, "checkin", checkin)
    try:
        yield
    finally:
        if out:
            leftovers = list(out.values())
            loop.run_until_complete(greenlet_spawn(lambda: [p.close() for p in leftovers]))
        for pool in pools:
            sa.event.remove(pool, "checkout", checkout)
            sa.event.remove(pool, "checkin", checkin)


def _async_url(url: str) -> str:
    """*url* with the async driver of its database: aiosqlite or asyncpg."""
    parsed = sa.engine.make_url(url)
    async_driver = {"sqlite": "aiosqlite", "postgresql": "asyncpg"}[parsed.get_backend_name()]
    return parsed.set(drivername=f"{parsed.get_backend_name()}+{async_driver}").render_as_string(
        hide_password=False
    )


def _alchemical_base() -> type[Any]:
    """A declarative base for one Alchemical app.

    Alchemical's own ``Model`` keeps the metadata of every bind in
    ``__metadatas__``, a class attribute shared by every app of the process;
    each app here (Flask-Migrate gets one per command) needs models of its own.
    """
    from alchemical.core import BaseModel
    from sqlalchemy.orm import DeclarativeBase  # not in SQLAlchemy 1.4 (minimum versions)

    class Base(BaseModel, DeclarativeBase):
        __abstract__ = True
        __metadatas__ = {}

    return Base


def _summary(result: Result, expected: int) -> str:
    """One line for the table: the exception, else the last line of output."""
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        error = result.exception
        return f"exit {result.exit_code}: {type(error).__name__}: {error}".splitlines()[0]
    lines = [line for line in result.output.splitlines() if line.strip()]
    return f"exit {result.exit_code} (expected {expected}): {lines[-1] if lines else ''}"


@dataclass
class Project:
    """The apps of one tool over one migrations folder and its databases.

    Flask-Remodel gets one app for the whole case, its models changed in place:
    the harder test, since whatever one command leaves behind reaches the next
    (Flask-Migrate's bug B1 is of that kind). Flask-Migrate gets a new app for
    each command, as from a new ``flask db`` process: in one app its env.py's
    hook, stored in the shared ``configure_args`` by ``migrate``, makes a later
    ``check`` fail with an IndexError that no user of the CLI ever sees.
    """

    tool: str
    folder: Path
    url: str  # synchronous, as the schema checks read it; the async db gets _async_url(url)
    audit_url: str | None
    tmp_path: Path
    db_kind: str = "flask_sqlalchemy"  # or "alchemical", "alchemical_aio"
    changed: bool = False
    _app: tuple[Flask, Any] | None = None

    @property
    def multidb(self) -> bool:
        return self.audit_url is not None

    @property
    def is_async(self) -> bool:
        return self.db_kind == "alchemical_aio"

    def _make_db(self, app: Flask) -> Any:
        binds = {"audit": self.audit_url} if self.audit_url is not None else None
        if self.db_kind == "flask_sqlalchemy":
            app.config["SQLALCHEMY_DATABASE_URI"] = self.url
            if binds is not None:
                app.config["SQLALCHEMY_BINDS"] = binds
            return SQLAlchemy(app)
        if self.db_kind == "alchemical":
            from alchemical.flask import Alchemical

            app.config["ALCHEMICAL_DATABASE_URL"] = self.url
            if binds is not None:
                app.config["ALCHEMICAL_BINDS"] = binds
            return Alchemical(app, model_class=_alchemical_base())
        # The async Alchemical has no Flask integration: an aioflask app passes it the URLs.
        from alchemical.aio import Alchemical as AsyncAlchemical

        return AsyncAlchemical(
            _async_url(self.url),
            binds={key: _async_url(url) for key, url in binds.items()} if binds else None,
            model_class=_alchemical_base(),
        )

    def _build(self) -> tuple[Flask, Any]:
        if self.tool == "flask_migrate":
            from flask_migrate import Migrate
        else:
            from flask_remodel import Migrate
        app = Flask(f"compat_{self.tool}", root_path=str(self.tmp_path))
        db = self._make_db(app)
        _define_models(db, self.multidb, self.changed)
        migrate = Migrate(app, db, directory=str(self.folder))
        if self.tool == "flask_migrate":
            # Alembic's Config prints to the sys.stdout of import time unless told
            # otherwise: Flask-Migrate's history, heads, current and check output
            # would miss the CLI runner's.
            migrate.configure(_print_to_current_stdout)
        return app, db

    def change_models(self) -> None:
        self.changed = True
        if self._app is not None:
            _change_models(self._app[1], self.multidb)

    def run(self, *args: str, expect: int = 0) -> Result:
        """``flask db <args>``; StepFailed unless it exits with *expect*."""
        if self.tool == "flask_migrate":
            result = self._run_flask_migrate(args)
        else:
            if self._app is None:
                self._app = self._build()
            result = self._app[0].test_cli_runner().invoke(args=["db", *args])
        if result.exit_code != expect:
            raise StepFailed(args[0], _summary(result, expect))
        return result

    def _run_flask_migrate(self, args: tuple[str, ...]) -> Result:
        app, db = self._build()
        if not self.is_async:
            try:
                with _flask_migrate_side_effects():
                    return app.test_cli_runner().invoke(args=["db", *args])
            finally:
                _dispose(app, db)
        # A loop of its own, as in a new process: the aioflask env.py's
        # asyncio.get_event_loop() returns it (in a new process it makes one, with
        # a DeprecationWarning from Python 3.12 on).
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            with _connections_returned(db, loop), _flask_migrate_side_effects():
                return app.test_cli_runner().invoke(args=["db", *args])
        finally:
            _dispose(app, db, loop)
            asyncio.set_event_loop(None)
            loop.close()

    def scripts(self) -> list[Path]:
        return sorted((self.folder / "versions").glob("*.py"))

    def dispose(self) -> None:
        if self._app is not None:
            _dispose(*self._app)


# --- The workflow -------------------------------------------------------------------------------


def _revision_id(script: Path) -> str:
    found = re.search(r"^revision = ['\"](\w+)['\"]", script.read_text(), re.MULTILINE)
    assert found, f"no revision id in {script.name}"
    return found.group(1)


def _tables(url: str) -> dict[str, list[str]]:
    """Every table of *url*'s database with its columns, through a connection of its own."""
    with engine_for(url) as engine, engine.connect() as connection:
        inspector = sa.inspect(connection)
        return {
            table: [column["name"] for column in inspector.get_columns(table)]
            for table in inspector.get_table_names()
        }


def _schema(project: Project) -> dict[str, bool]:
    """What the databases hold of the models."""
    default = _tables(project.url)
    found = {
        "table user": "user" in default,
        "column user.email": "email" in default.get("user", []),
        "table post": "post" in default,
        f"table {LEGACY_TABLE}": LEGACY_TABLE in default,
    }
    if project.audit_url is not None:
        audit = _tables(project.audit_url)
        found["audit bind table event"] = "event" in audit
        found["audit bind column event.kind"] = "kind" in audit.get("event", [])
    return found


def _expect_schema(
    project: Project, case: Case, step: str, *, initial: bool, changed: bool
) -> None:
    expected = {
        "table user": initial,
        "column user.email": changed,
        "table post": changed,
        f"table {LEGACY_TABLE}": case.legacy_table,
    }
    if project.multidb:
        expected["audit bind table event"] = initial
        expected["audit bind column event.kind"] = changed
    found = _schema(project)
    wrong = [
        f"{name} {'missing' if expected[name] else 'present'}"
        for name in expected if found[name] != expected[name]
    ]  # fmt: skip
    if wrong:
        raise StepFailed(f"the schema after {step}", ", ".join(wrong))


def _workflow(project: Project, case: Case) -> None:
    """Every step, each followed by a look at the databases. Raises StepFailed."""
    initial = "Create users" + case.message_suffix
    change = "Add email and posts" + case.message_suffix
    _expect_schema(project, case, "setup", initial=False, changed=False)

    project.run("migrate", "-m", "Create users")
    assert len(project.scripts()) == 1
    first = _revision_id(project.scripts()[0])
    _expect_schema(project, case, "migrate", initial=False, changed=False)
    project.run("upgrade")
    _expect_schema(project, case, "upgrade", initial=True, changed=False)

    project.change_models()
    project.run("migrate", "-m", "Add email and posts")
    assert len(project.scripts()) == 2
    second = next(path for path in project.scripts() if "add_email" in path.name)
    head = _revision_id(second)
    if case.batch_everywhere:  # env.py's own render_as_batch=True won
        assert "batch_alter_table" in second.read_text()
    project.run("upgrade")
    _expect_schema(project, case, "the second upgrade", initial=True, changed=True)
    project.run("downgrade")
    _expect_schema(project, case, "downgrade", initial=True, changed=False)
    project.run("upgrade")
    _expect_schema(project, case, "upgrade after downgrade", initial=True, changed=True)

    checked = project.run("check").output
    assert "No new upgrade operations detected." in checked, checked
    # An autogenerate that finds nothing writes nothing, with both tools.
    empty = project.run("migrate", "-m", "nothing")
    assert "No changes in schema detected." in empty.output, empty.output
    assert len(project.scripts()) == 2

    history = project.run("history").output
    assert f"{first} -> {head} (head), {change}\n<base> -> {first}, {initial}" in history, history
    assert f"{head} (head)" in project.run("heads").output
    current = project.run("current").output
    assert f"{head} (head)" in current, current
    _expect_schema(project, case, "history, heads and current", initial=True, changed=True)
    if project.tool == "flask_migrate":
        return

    # Flask-Remodel's own commands, on the same old env.py.
    project.run("lint", "--all")
    status = project.run("status").output
    assert head in status and "Create users" in status, status
    assert "Every applied revision matches its file." in project.run("validate").output
    graph = project.run("graph").output
    assert change in graph and "current" in graph, graph
    _expect_schema(project, case, "lint, status, validate and graph", initial=True, changed=True)


def _run_case(
    case: Case, tool: str, url: str, audit_url: str | None, tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:  # fmt: skip
    folder = init_folder(case.version, case.template, tmp_path / "migrations")
    if case.edit is not None:
        env_py = folder / "env.py"
        env_py.write_text(case.edit(env_py.read_text()))
    if case.legacy_table:
        execute(url, f"CREATE TABLE {LEGACY_TABLE} (id INTEGER PRIMARY KEY)")
    project = Project(tool, folder, url, audit_url, tmp_path, db_kind=case.db)
    failure: StepFailed | None = None
    try:
        _workflow(project, case)
    except StepFailed as error:
        failure = error
    except AssertionError as error:  # a step exited 0 but did the wrong thing
        failure = StepFailed("an output check", str(error).splitlines()[0])
    finally:
        project.dispose()
    outcome = "pass" if failure is None else f"fails at {failure}"
    backend = request.node.callspec.params["backend"]
    # Read by tests/compat/conftest.py for the table (REMODEL_COMPAT_TABLE=1).
    request.node.user_properties.append(("compat_outcome", (case.id, backend, tool, outcome)))

    if tool == "remodel":
        assert failure is None, f"Flask-Remodel, {case.id}: {failure}"
        return
    known = FLASK_MIGRATE_FAILS.get(case.id)
    if known is None:
        assert failure is None, f"Flask-Migrate used to pass {case.id}: {failure}"
        return
    assert failure is not None, f"Flask-Migrate now passes {case.id}: update FLASK_MIGRATE_FAILS"
    assert failure.step == known[0] and known[1] in failure.detail, (
        f"Flask-Migrate fails {case.id} otherwise than FLASK_MIGRATE_FAILS says: {failure}"
    )


def _backends_and_tools(backends: tuple[str, ...]) -> list[Any]:
    """(backend, tool) pairs: Flask-Remodel on every backend, Flask-Migrate on one.

    Flask-Migrate's failures happen before any SQL is sent, so in ``make test``
    one backend (SQLite when selected) keeps FLASK_MIGRATE_FAILS honest; with
    REMODEL_COMPAT_TABLE=1 it runs on every backend, for the table.
    """
    chosen = [name for name in selected_backends() if name in backends]
    pairs = [(backend, "remodel") for backend in chosen]
    reference = chosen if os.environ.get(TABLE_ENV) else chosen[:1]
    pairs += [(backend, "flask_migrate") for backend in reference]
    pairs.sort(key=lambda pair: TOOLS.index(pair[1]))
    return [pytest.param(backend, tool, id=f"{backend}-{tool}") for backend, tool in pairs]


# These parametrize ``backend`` themselves (indirectly, so the conftest's fixture
# still makes the databases), which the conftest then leaves alone.
@pytest.mark.parametrize("backend, tool", _backends_and_tools(ALL_BACKENDS), indirect=["backend"])
@pytest.mark.parametrize("case", SINGLE_CASES, ids=lambda case: case.id)
def test_single_database_template(
    case: Case, tool: str, database_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    _run_case(case, tool, database_url, None, tmp_path, request)


# Releases before 4.0 call Table.tometadata(), deprecated since SQLAlchemy 1.4: a
# printed warning in real life, an error under this suite's filterwarnings.
@pytest.mark.filterwarnings(r"ignore:Table\.tometadata\(\) is renamed:DeprecationWarning")
@pytest.mark.parametrize(
    "backend, tool", _backends_and_tools(("sqlite", "postgresql")), indirect=["backend"]
)
@pytest.mark.parametrize("case", MULTIDB_CASES, ids=lambda case: case.id)
def test_multidb_template(
    case: Case,
    tool: str,
    database_url: str,
    make_database: Callable[..., str],
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    _run_case(case, tool, database_url, make_database("audit"), tmp_path, request)


# The async Alchemical on the drivers it maps sqlite:// and postgresql:// to (its
# mysql:// maps to aiomysql, not installed here).
@pytest.mark.parametrize(
    "backend, tool", _backends_and_tools(("sqlite", "postgresql")), indirect=["backend"]
)
@pytest.mark.parametrize("case", AIO_CASES, ids=lambda case: case.id)
def test_aioflask_template(
    case: Case, tool: str, database_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    _run_case(case, tool, database_url, None, tmp_path, request)


@pytest.mark.filterwarnings(r"ignore:Table\.tometadata\(\) is renamed:DeprecationWarning")
@pytest.mark.parametrize(
    "backend, tool", _backends_and_tools(("sqlite", "postgresql")), indirect=["backend"]
)
@pytest.mark.parametrize("case", AIO_MULTIDB_CASES, ids=lambda case: case.id)
def test_aioflask_multidb_template(
    case: Case,
    tool: str,
    database_url: str,
    make_database: Callable[..., str],
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    _run_case(case, tool, database_url, make_database("audit"), tmp_path, request)


# --- The release list itself --------------------------------------------------------------------

_TEMPLATE_FILES = ("env.py", "script.py.mako", "alembic.ini.mako", "README")


_RELEASE_LISTS = {
    "RELEASES": (RELEASES, ("flask", "flask-multidb")),
    "AIO_RELEASES": (AIO_RELEASES, ("aioflask", "aioflask-multidb")),
}


@pytest.mark.parametrize(
    "listed, release, later",
    [
        (listed, r.version, later)
        for listed, (releases, _) in _RELEASE_LISTS.items()
        for r in releases
        for later in r.same_as
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_same_as_releases_ship_identical_templates(listed: str, release: str, later: str) -> None:
    for template in _RELEASE_LISTS[listed][1]:
        for name in _TEMPLATE_FILES:
            assert release_file(later, template, name) == release_file(release, template, name), (
                f"{template}/{name} of Flask-Migrate {later} differs from {release}'s:"
                f" give {later} a line of its own in {listed}"
            )


@pytest.mark.parametrize("listed", _RELEASE_LISTS)
def test_each_release_line_has_an_env_py_of_its_own(listed: str) -> None:
    releases, templates = _RELEASE_LISTS[listed]
    for template in templates:
        seen: dict[bytes, str] = {}
        for release in releases:
            text = release_file(release.version, template, "env.py")
            assert text not in seen, f"{template}/env.py of {release.version} = {seen.get(text)}'s"
            seen[text] = release.version


# --- The db object old env.py files are given -----------------------------------------------------


@pytest.mark.backends("sqlite")
def test_old_env_py_db_takes_every_get_engine_signature(
    make_app: Callable[..., Any], make_database: Callable[..., str]
) -> None:
    """Flask-SQLAlchemy 2's ``(app, bind)`` and 3's ``(bind_key)``, as the templates call them."""
    made = make_app(
        lambda db: _define_models(db, multidb=True, changed=False),
        binds={"audit": make_database("audit")},
    )
    engines = made.engines()
    with made.app.app_context():
        view = made.app.extensions["migrate"].db
        calls = {
            "get_engine()": view.get_engine(),
            "get_engine('audit')": view.get_engine("audit"),
            "get_engine(app, 'audit')": view.get_engine(made.app, "audit"),
            "get_engine(app=, bind=audit)": view.get_engine(app=made.app, bind="audit"),
            "get_engine(bind=audit)": view.get_engine(bind="audit"),
            "get_engine(bind_key=audit)": view.get_engine(bind_key="audit"),
        }
        urls = {call: str(engine.url) for call, engine in calls.items()}
        expected = {call: str(engines["audit" if "audit" in call else None].url) for call in calls}
        assert urls == expected
        # Outside a multi-database env.py (here: outside any), db.metadata is the
        # default bind's alone: a single-database env.py must not see other binds.
        assert sorted(view.metadata.tables) == ["user"]
