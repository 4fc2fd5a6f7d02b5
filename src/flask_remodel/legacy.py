"""What env.py files written by Flask-Migrate see as ``app.extensions["migrate"].db``.

Those files call ``db.get_engine()``, which Flask-SQLAlchemy 3.1 deprecates
(with a warning on every command) and 3.2 removes. The view below answers
the engine and metadata questions from Flask-Remodel's model source and
passes everything else to the real ``db``, so the old files keep working,
quietly, across Flask-SQLAlchemy releases.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import MetaData
from sqlalchemy.engine import Engine

from .sources import BindKey
from .sources import ModelSource


class LegacyDatabaseView:
    """A stand-in for a Flask-SQLAlchemy 3.x object, as old env.py files use it."""

    def __init__(self, db: Any, source: ModelSource) -> None:
        self._db = db
        self._source = source

    def get_engine(self, app: Any = None, bind: BindKey = None) -> Engine:
        return self._source.engine(bind)

    @property
    def engine(self) -> Engine:
        return self._source.engine(None)

    @property
    def engines(self) -> dict[BindKey, Engine]:
        return {bind: self._source.engine(bind) for bind in self._source.bind_keys()}

    @property
    def metadata(self) -> MetaData:
        return self._source.metadata(None)

    @property
    def metadatas(self) -> dict[BindKey, MetaData]:
        return {bind: self._source.metadata(bind) for bind in self._source.bind_keys()}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._db, name)
