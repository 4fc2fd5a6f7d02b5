"""Where the models and the engines come from.

A :class:`ModelSource` answers three questions for the migration environment:
which binds (databases) there are, which engine serves each, and which
``MetaData`` describes its tables. Four shapes of ``db`` are understood:

* Flask-SQLAlchemy 3.x (``db.engines`` and ``db.metadatas`` keyed by bind),
* Flask-SQLAlchemy 2.5 (``db.get_engine(app, bind)``, tables tagged with
  ``info["bind_key"]``),
* Flask-SQLAlchemy-Lite (``db.engines`` keyed by name, ``"default"`` first;
  the models' metadata is given as ``Migrate(app, db, target_metadata=...)``),
* plain SQLAlchemy: ``db`` is a ``MetaData`` or a declarative base, and the
  URL is ``SQLALCHEMY_DATABASE_URI`` (plus ``SQLALCHEMY_BINDS`` for more);
* Alchemical (``alchemical.flask.Alchemical``, and the async
  ``alchemical.aio.Alchemical``): ``db.get_engine(bind)``, ``db.binds`` and
  ``db.metadatas`` keyed by bind.

The default bind is called ``None`` here and ``""`` in multi-database
revision scripts (``upgrade_()``), as Flask-Migrate named it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from typing import Protocol

from flask import Flask
from sqlalchemy import MetaData
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from .async_bridge import is_async_db
from .errors import ConfigurationError

BindKey = str | None


class ModelSource(Protocol):
    """The binds, engines and metadata of one app."""

    def bind_keys(self) -> list[BindKey]:
        """The default bind (``None``) first, then the named binds."""

    def engine(self, bind: BindKey) -> Engine: ...

    def metadata(self, bind: BindKey) -> MetaData: ...


def _missing_default() -> ConfigurationError:
    return ConfigurationError(
        "No default database is configured: set SQLALCHEMY_DATABASE_URI in the app's "
        "config (migrations need it even when the models use SQLALCHEMY_BINDS)."
    )


def _unknown_bind(bind: BindKey, known: list[BindKey]) -> ConfigurationError:
    names = ", ".join(repr(k) for k in known)
    return ConfigurationError(
        f"No engine is configured for bind {bind!r} (known binds: {names}). "
        "Add it to SQLALCHEMY_BINDS or remove it from the migration."
    )


class FlaskSQLAlchemy3Source:
    """Flask-SQLAlchemy 3.0 and later: engines and metadata are per bind."""

    def __init__(self, db: Any, app: Flask) -> None:
        self.db = db
        self.app = app

    def bind_keys(self) -> list[BindKey]:
        with self.app.app_context():
            keys: list[BindKey] = list(self.db.engines)
        return [None] + sorted(k for k in keys if k is not None)

    def engine(self, bind: BindKey) -> Engine:
        with self.app.app_context():
            engines: Mapping[BindKey, Engine] = self.db.engines
            if bind not in engines:
                raise _missing_default() if bind is None else _unknown_bind(bind, list(engines))
            return engines[bind]

    def metadata(self, bind: BindKey) -> MetaData:
        metadatas: Mapping[BindKey, MetaData] | None = getattr(self.db, "metadatas", None)
        if metadatas is None:  # Flask-SQLAlchemy 3.0: one metadata, tables tagged
            return _tables_for_bind(self.db.metadata, bind)
        if bind in metadatas:
            return metadatas[bind]
        return MetaData()


class FlaskSQLAlchemy2Source:
    """Flask-SQLAlchemy 2.5: one metadata whose tables carry their bind key."""

    def __init__(self, db: Any, app: Flask) -> None:
        self.db = db
        self.app = app

    def bind_keys(self) -> list[BindKey]:
        binds = self.app.config.get("SQLALCHEMY_BINDS") or {}
        return [None] + sorted(binds)

    def engine(self, bind: BindKey) -> Engine:
        if bind is not None and bind not in (self.app.config.get("SQLALCHEMY_BINDS") or {}):
            raise _unknown_bind(bind, self.bind_keys())
        engine: Engine = self.db.get_engine(self.app, bind=bind)
        return engine

    def metadata(self, bind: BindKey) -> MetaData:
        return _tables_for_bind(self.db.metadata, bind)


class AlchemicalSource:
    """Alchemical: an engine per bind from ``db.get_engine(bind)``, ``db.metadatas`` per bind.

    Alchemical reads ``ALCHEMICAL_DATABASE_URL`` and ``ALCHEMICAL_BINDS``; the
    binds are the keys of ``db.binds``. It gives the models' ``MetaData`` its
    naming convention only when it creates the engines, so they are created
    before any metadata is handed out (Flask-Migrate's env.py files call
    ``db.get_engine()`` first too).

    The async ``alchemical.aio.Alchemical`` hands out ``AsyncEngine`` objects:
    :meth:`engine` is then the ``sync_engine`` of a copy that keeps no
    connection, usable inside :func:`~flask_remodel.async_bridge.run_bridged`,
    and :meth:`async_engine` is that copy, for env.py files written for async
    engines (see :mod:`flask_remodel.async_bridge`).
    """

    def __init__(
        self, db: Any, app: Flask, metadatas: Mapping[BindKey, MetaData] | None = None
    ) -> None:
        self.db = db
        self.app = app
        self.is_async = is_async_db(db)
        self.metadatas = dict(metadatas) if metadatas is not None else None
        self._unpooled: dict[BindKey, Any] = {}

    def bind_keys(self) -> list[BindKey]:
        return [None] + sorted(self.db.binds or {})

    def _app_engine(self, bind: BindKey) -> Any:
        if bind is not None and bind not in (self.db.binds or {}):
            raise _unknown_bind(bind, self.bind_keys())
        if bind is None and not self.db.url:
            raise ConfigurationError(
                "No default database is configured: give Alchemical a URL (ALCHEMICAL_DATABASE_URL "
                "in the app's config); migrations need it even when the models use binds."
            )
        return self.db.get_engine(bind)

    def async_engine(self, bind: BindKey) -> Any:
        """The engine env.py files are given: for an async ``db``, an unpooled ``AsyncEngine``."""
        if not self.is_async:
            return self._app_engine(bind)
        if bind not in self._unpooled:
            from .async_bridge import unpooled

            self._unpooled[bind] = unpooled(self._app_engine(bind))
        return self._unpooled[bind]

    def engine(self, bind: BindKey) -> Engine:
        if self.is_async:
            synchronous: Engine = self.async_engine(bind).sync_engine
            return synchronous
        engine: Engine = self._app_engine(bind)
        return engine

    def metadata(self, bind: BindKey) -> MetaData:
        if self.metadatas is not None:  # Migrate(app, db, target_metadata=...)
            return self.metadatas.get(bind) or MetaData()
        if self.db.engines is None and (self.db.url or self.db.binds):
            # Creating the engines names the metadata's constraints; it connects nowhere.
            self.db.get_engine(None if self.db.url else next(iter(self.db.binds)))
        found: MetaData | None = self.db.metadatas.get(bind)
        return found if found is not None else MetaData()


class ExplicitSource:
    """Flask-SQLAlchemy-Lite or plain SQLAlchemy: metadata given, engines by URL or name."""

    def __init__(
        self,
        app: Flask,
        metadatas: Mapping[BindKey, MetaData],
        engines: Mapping[BindKey, Engine] | None,
    ) -> None:
        self.app = app
        self.metadatas = dict(metadatas)
        self.engines = dict(engines) if engines is not None else None
        self._owned: dict[BindKey, Engine] = {}

    def bind_keys(self) -> list[BindKey]:
        keys = set(self.metadatas) | set(self._configured_engines())
        return [None] + sorted(k for k in keys if k is not None)

    def _configured_engines(self) -> dict[BindKey, Engine | str]:
        if self.engines is not None:
            return dict(self.engines)
        urls: dict[BindKey, Engine | str] = {}
        default = self.app.config.get("SQLALCHEMY_DATABASE_URI")
        if default:
            urls[None] = str(default)
        for key, value in (self.app.config.get("SQLALCHEMY_BINDS") or {}).items():
            urls[key] = value if isinstance(value, str) else str(value["url"])
        return urls

    def engine(self, bind: BindKey) -> Engine:
        configured = self._configured_engines()
        if bind not in configured:
            raise _missing_default() if bind is None else _unknown_bind(bind, list(configured))
        value = configured[bind]
        if isinstance(value, Engine):
            return value
        if bind not in self._owned:
            self._owned[bind] = create_engine(value)
        return self._owned[bind]

    def metadata(self, bind: BindKey) -> MetaData:
        return self.metadatas.get(bind) or MetaData()


def _tables_for_bind(metadata: MetaData, bind: BindKey) -> MetaData:
    """A metadata holding the tables of *metadata* that belong to *bind*."""
    selected = MetaData(naming_convention=metadata.naming_convention)
    for table in metadata.tables.values():
        if table.info.get("bind_key") == bind:
            table.to_metadata(selected)
    return selected


def _as_metadata(value: Any) -> MetaData | None:
    if isinstance(value, MetaData):
        return value
    found = getattr(value, "metadata", None)
    return found if isinstance(found, MetaData) else None


def _as_metadata_map(value: Any) -> dict[BindKey, MetaData] | None:
    if value is None:
        return None
    single = _as_metadata(value)
    if single is not None:
        return {None: single}
    if isinstance(value, Mapping):
        found = {key: _as_metadata(item) for key, item in value.items()}
        if all(meta is not None for meta in found.values()):
            return {key: meta for key, meta in found.items() if meta is not None}
    raise ConfigurationError(
        f"target_metadata must be a MetaData, a declarative base or a dict of them per "
        f"bind, not {type(value).__name__}."
    )


def _looks_like_alchemical(db: Any) -> bool:
    """An Alchemical object of a subclass defined elsewhere (its module is the app's).

    Duck typing, so that alchemical is never imported for an app that does not use it.
    """
    return (
        hasattr(db, "bind_names")
        and hasattr(db, "metadatas")
        and callable(getattr(db, "is_async", None))
    )


def model_source(db: Any, app: Flask, target_metadata: Any = None) -> ModelSource:
    """Pick the :class:`ModelSource` that understands *db*."""
    explicit = _as_metadata_map(target_metadata)
    module = type(db).__module__
    # Alchemical also has get_engine(), with a signature of its own: checked first.
    if module.startswith("alchemical") or _looks_like_alchemical(db):
        return AlchemicalSource(db, app, explicit)
    if module.startswith("flask_sqlalchemy_lite"):
        if explicit is None:
            raise ConfigurationError(
                "Flask-SQLAlchemy-Lite keeps no models: pass them as "
                "Migrate(app, db, target_metadata=Base.metadata)."
            )
        with app.app_context():
            named = dict(db.engines)
        engines = {(None if key == "default" else key): engine for key, engine in named.items()}
        return ExplicitSource(app, explicit, engines)
    if module.startswith("flask_sqlalchemy") or hasattr(db, "get_engine"):
        if explicit is not None:
            return ExplicitSource(app, explicit, None)
        # Class attributes: db.engines itself needs an app context.
        if hasattr(type(db), "engines") and not hasattr(type(db), "get_app"):
            return FlaskSQLAlchemy3Source(db, app)
        return FlaskSQLAlchemy2Source(db, app)
    plain = _as_metadata_map(db)
    assert plain is not None  # db is not None here: the caller checked
    return ExplicitSource(app, explicit or plain, None)
