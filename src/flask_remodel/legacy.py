"""What env.py files written by Flask-Migrate see as ``app.extensions["migrate"].db``.

Those files call ``db.get_engine()``, which Flask-SQLAlchemy 3.1 deprecates
(with a warning on every command) and 3.2 removes. The view below answers
the engine and metadata questions from Flask-Remodel's model source and
passes everything else to the real ``db``, so the old files keep working,
quietly, across Flask-SQLAlchemy releases. On SQLite the engine it hands out
also gives those files the safety of Flask-Remodel's own env.py.

The multi-database env.py files written before Flask-Migrate 4.0 pick each
bind's tables out of ``db.metadata`` by ``Table.info["bind_key"]``, as
Flask-SQLAlchemy 2 kept them. Flask-SQLAlchemy 3 keeps one ``MetaData`` per
bind instead, so with it those files found no table on any other bind and
silently migrated nothing there (Flask-Migrate 4.1 still does). For such an
env.py, ``metadata`` holds every bind's tables, tagged the old way.

Alchemical apps get the same view: Alchemical's ``get_engine(bind)`` takes
neither an app nor ``bind_key=``, and it has no ``db.metadata``, which the
env.py files before Flask-Migrate 4.0 read. With the async Alchemical, the
engines handed out are ``AsyncEngine`` objects, as the ``aioflask`` templates
expect, that keep no connection (see :mod:`flask_remodel.async_bridge`).
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import MetaData
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine

from .dialects import dialect_for
from .dialects import driver_connection
from .sources import AlchemicalSource
from .sources import BindKey
from .sources import ModelSource
from .sqlite import sqlite_migration_session

_ended_sessions: WeakKeyDictionary[Engine, list[Any]] = WeakKeyDictionary()


class MigrationEngine:
    """An engine whose ``connect()`` gives old env.py files the SQLite safety.

    Those files run ``with get_engine().connect() as connection:`` (or close
    the connection by hand, in the multi-database one); on SQLite the
    connection then runs each revision in a real transaction with foreign
    keys off and checked before commit, as Flask-Remodel's own env.py does.
    Everything else is the app's engine.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def connect(self) -> Connection:
        # A listener cannot remove itself while SQLAlchemy dispatches the event,
        # so the previous session's is removed here, at the next connect.
        for finished in _ended_sessions.pop(self._engine, []):
            event.remove(self._engine, "checkin", finished)
        connection = self._engine.connect()
        session = ExitStack()
        session.enter_context(sqlite_migration_session(connection))
        raw = driver_connection(connection)
        session_open = [True]

        # The session ends when the connection goes back to the pool: the app
        # must get it back with its own transaction handling and pragmas.
        def end_session(dbapi_connection: Any, record: Any) -> None:
            if dbapi_connection is raw and session_open:
                session_open.clear()
                session.close()
                _ended_sessions.setdefault(self._engine, []).append(end_session)

        event.listen(self._engine, "checkin", end_session)
        return connection

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)


def _for_migrations(engine: Engine) -> Any:
    return MigrationEngine(engine) if dialect_for(engine).has_migration_session else engine


class LegacyDatabaseView:
    """A stand-in for a Flask-SQLAlchemy 3.x or Alchemical object, as old env.py files use it."""

    def __init__(self, db: Any, source: ModelSource) -> None:
        self._db = db
        self._source = source

    def _engine(self, bind: BindKey) -> Any:
        if isinstance(self._source, AlchemicalSource) and self._source.is_async:
            return self._source.async_engine(bind)
        return _for_migrations(self._source.engine(bind))

    def get_engine(self, app: Any = None, bind: BindKey = None, bind_key: BindKey = None) -> Any:
        """Both signatures: Flask-SQLAlchemy 2's ``(app, bind)`` and 3's ``(bind_key)``.

        Flask-Migrate's env.py files call ``get_engine()``, ``get_engine(app, bind)``,
        ``get_engine(app=, bind=)``, ``get_engine(bind=)`` and ``get_engine(bind_key=)``.
        """
        if isinstance(app, str):  # Flask-SQLAlchemy 3 and Alchemical take the bind key first
            app, bind_key = None, app
        return self._engine(bind_key if bind_key is not None else bind)

    @property
    def engine(self) -> Any:
        return self._engine(None)

    @property
    def engines(self) -> dict[BindKey, Any]:
        return {bind: self._engine(bind) for bind in self._source.bind_keys()}

    def bind_names(self) -> list[str]:
        """The named binds: what Alchemical's ``bind_names()`` answers."""
        return [bind for bind in self._source.bind_keys() if bind is not None]

    @property
    def metadata(self) -> MetaData:
        if _running_old_multidb_env_py():
            return self._every_bind_tagged()
        return self._source.metadata(None)

    @property
    def metadatas(self) -> dict[BindKey, MetaData]:
        return {bind: self._source.metadata(bind) for bind in self._source.bind_keys()}

    def _every_bind_tagged(self) -> MetaData:
        """One ``MetaData`` with copies of every bind's tables, ``info["bind_key"]`` set."""
        default = self._source.metadata(None)
        combined = MetaData(naming_convention=default.naming_convention)
        for bind in self._source.bind_keys():
            for table in self._source.metadata(bind).tables.values():
                copied = table.to_metadata(combined)  # its info is a copy of the table's
                copied.info["bind_key"] = bind
        return combined

    def __getattr__(self, name: str) -> Any:
        return getattr(self._db, name)


def _running_old_multidb_env_py() -> bool:
    """Whether an env.py is running and is Flask-Migrate's multi-database one.

    Every release's multi-database template passes ``upgrade_token=`` (one per
    bind) to ``context.configure``, and no single-database one does. A
    single-database env.py must keep getting the default bind's tables only.
    """
    from alembic import context

    try:
        folder = context.config.get_main_option("script_location")
    except (AttributeError, NameError):  # no env.py is running
        return False
    if not folder:
        return False
    try:
        text = (Path(folder) / "env.py").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return "upgrade_token" in text
