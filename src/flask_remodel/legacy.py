"""What env.py files written by Flask-Migrate see as ``app.extensions["migrate"].db``.

Those files call ``db.get_engine()``, which Flask-SQLAlchemy 3.1 deprecates
(with a warning on every command) and 3.2 removes. The view below answers
the engine and metadata questions from Flask-Remodel's model source and
passes everything else to the real ``db``, so the old files keep working,
quietly, across Flask-SQLAlchemy releases. On SQLite the engine it hands out
also gives those files the safety of Flask-Remodel's own env.py.
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import MetaData
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine

from .sources import BindKey
from .sources import ModelSource
from .sqlite import sqlite_migration_session
from .sqlite._driver import driver_connection

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
    return MigrationEngine(engine) if engine.dialect.name == "sqlite" else engine


class LegacyDatabaseView:
    """A stand-in for a Flask-SQLAlchemy 3.x object, as old env.py files use it."""

    def __init__(self, db: Any, source: ModelSource) -> None:
        self._db = db
        self._source = source

    def get_engine(self, app: Any = None, bind: BindKey = None) -> Any:
        return _for_migrations(self._source.engine(bind))

    @property
    def engine(self) -> Any:
        return _for_migrations(self._source.engine(None))

    @property
    def engines(self) -> dict[BindKey, Any]:
        return {b: _for_migrations(self._source.engine(b)) for b in self._source.bind_keys()}

    @property
    def metadata(self) -> MetaData:
        return self._source.metadata(None)

    @property
    def metadatas(self) -> dict[BindKey, MetaData]:
        return {bind: self._source.metadata(bind) for bind in self._source.bind_keys()}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._db, name)
