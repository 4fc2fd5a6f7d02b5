"""What ``app.extensions["migrate"]`` holds for one app, and how commands reach it.

Apart from :mod:`flask_remodel.extension`, which creates it: the CLI and the
env.py machinery read the state without importing the extension, which
imports the CLI to register ``flask db``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING
from typing import Any

from flask import current_app

from .errors import DatabaseNotConfiguredError
from .errors import ExtensionNotFoundError
from .retarget import RetargetedSource
from .retarget import current_retarget
from .settings import RemodelSettings
from .settings import snapshot
from .sources import AlchemicalSource
from .sources import FlaskSQLAlchemy3Source
from .sources import ModelSource
from .sources import model_source

if TYPE_CHECKING:
    from .extension import Migrate

# What Migrate's own parameters default to: left out of configure_args, where
# they would collide with an env.py that passes the same key itself.
_CONSTRUCTOR_DEFAULTS: dict[str, Any] = {"compare_type": True, "render_as_batch": None}
_NO_DEFAULT = object()


class MigrateState:
    """What ``app.extensions["migrate"]`` holds for one app."""

    def __init__(self, migrate: Migrate, db: Any, **kwargs: Any) -> None:
        self.migrate = migrate
        self.raw_db = db
        self.directory = migrate.directory
        self.target_metadata = kwargs.pop("target_metadata", None)
        self._configure_args = kwargs
        self._source: ModelSource | None = None
        self._settings: tuple[object, RemodelSettings] | None = None

    @property
    def settings(self) -> RemodelSettings:
        """The current app's ``REMODEL_*`` settings (see :meth:`settings_for`)."""
        return self.settings_for(current_app.config)

    def settings_for(self, config: Mapping[str, Any]) -> RemodelSettings:
        """The ``REMODEL_*`` settings *config* (the app's) describes, checked.

        Built the first time a command asks, then kept; built (and checked)
        again only when a ``REMODEL_*`` key of *config*, or an environment
        variable a setting falls back to, has changed since, so a test or a
        shell that changes the config between two commands sees the change.
        Raises :class:`~flask_remodel.errors.SettingsError` for a bad value,
        every time until it is fixed.
        """
        seen = snapshot(config)
        if self._settings is None or self._settings[0] != seen:
            self._settings = (seen, RemodelSettings.from_config(config))
        return self._settings[1]

    @property
    def db(self) -> Any:
        """The app's database object, as env.py files read it.

        For Flask-SQLAlchemy 3.x a view whose ``get_engine()`` neither warns
        nor disappears in 3.2, and for Alchemical one that takes every
        signature Flask-Migrate's env.py files call (see :mod:`flask_remodel.legacy`).
        """
        if self.raw_db is None or not isinstance(
            self._model_source(), (FlaskSQLAlchemy3Source, AlchemicalSource)
        ):
            return self.raw_db
        from .legacy import LegacyDatabaseView

        return LegacyDatabaseView(self.raw_db, self.model_source())

    @property
    def configure_args(self) -> dict[str, Any]:
        """Keyword arguments env.py passes on to ``EnvironmentContext.configure``.

        Only what the app gave ``Migrate(...)``, and not the constructor's
        defaults: an env.py of Flask-Migrate before 4.0.5, or one edited by
        hand, passes some keys itself next to ``**configure_args``, and Python
        refuses a key given twice. Flask-Remodel's defaults and hooks join the
        call itself (:mod:`flask_remodel.context_options`).

        A new dict on every access: old env.py files store a hook in it, and a
        shared dict would carry the first run's hook into later runs
        (Flask-Migrate bug B1).
        """
        args = {
            name: value
            for name, value in self._configure_args.items()
            if _CONSTRUCTOR_DEFAULTS.get(name, _NO_DEFAULT) != value
        }
        return _with_retarget_schema(args)

    def runs_sqlite_transactions(self) -> bool:
        """Whether an old env.py's SQLite connections run real transactions.

        They do through :class:`~flask_remodel.legacy.LegacyDatabaseView`, which
        serves Flask-SQLAlchemy 3 and Alchemical apps; then Alembic may roll back
        DDL. Not with an async driver (aiosqlite), whose transactions
        Flask-Remodel leaves to the driver.
        """
        source = self._model_source()
        if isinstance(source, AlchemicalSource):
            return not source.is_async
        return isinstance(source, FlaskSQLAlchemy3Source)

    @property
    def user_configure_args(self) -> dict[str, Any]:
        """The arguments as the user gave them, before defaults are resolved."""
        return _with_retarget_schema(dict(self._configure_args))

    @property
    def metadata(self) -> Any:
        """The default bind's metadata, for very old env.py files."""
        return self.model_source().metadata(None)

    def model_source(self) -> ModelSource:
        """The app's binds, engines and models; inside :func:`~flask_remodel.retarget.retargeted`
        the default bind's engine is the override's."""
        if self.raw_db is None:
            raise DatabaseNotConfiguredError()
        override = current_retarget()
        if override is None:
            return self._model_source()
        return RetargetedSource(self._model_source(), override.engine)

    def _model_source(self) -> ModelSource:
        if self._source is None:
            app = current_app._get_current_object()  # type: ignore[attr-defined]
            self._source = model_source(self.raw_db, app, self.target_metadata)
        return self._source


def _with_retarget_schema(args: dict[str, Any]) -> dict[str, Any]:
    """*args* with a retargeted run's schema as ``version_table_schema``: a tenant's
    version table, ledger and lock row live in its own schema."""
    override = current_retarget()
    if override is not None and override.schema is not None:
        args["version_table_schema"] = override.schema
    return args


def current_state() -> MigrateState:
    """The extension state of the current app, its settings checked.

    Every command reaches the app through here, so a bad ``REMODEL_*`` value
    stops whichever command runs first (:class:`~flask_remodel.errors.SettingsError`).
    """
    state = current_app.extensions.get("migrate")
    if not isinstance(state, MigrateState):
        raise ExtensionNotFoundError()
    state.settings_for(current_app.config)
    return state


def current_settings() -> RemodelSettings:
    """The current app's ``REMODEL_*`` settings, checked (:mod:`flask_remodel.settings`)."""
    return current_state().settings
