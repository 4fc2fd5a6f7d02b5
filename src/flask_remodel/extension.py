"""The ``Migrate`` extension and the per-app state every env.py reads.

The constructor, ``init_app``, ``configure``, ``get_config`` and
``call_configure_callbacks`` take the same arguments as Flask-Migrate 4.1, and
``app.extensions["migrate"]`` keeps the attributes that every env.py
Flask-Migrate ever generated reads (``migrate``, ``db``, ``directory``,
``configure_args``, ``metadata``), so existing migrations folders keep working.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from typing import TYPE_CHECKING
from typing import Any

from flask import Flask
from flask import current_app

from .errors import DatabaseNotConfiguredError
from .errors import ExtensionNotFoundError
from .settings import RemodelSettings
from .settings import snapshot
from .sources import AlchemicalSource
from .sources import FlaskSQLAlchemy3Source
from .sources import ModelSource
from .sources import model_source

if TYPE_CHECKING:
    # Alembic is imported when a command first needs a Config, not with the
    # extension (see flask_remodel._lazy).
    from .config import Config

ConfigureCallback = Callable[["Config"], "Config"]

# What Migrate's own parameters default to: left out of configure_args, where
# they would collide with an env.py that passes the same key itself.
_CONSTRUCTOR_DEFAULTS: dict[str, Any] = {"compare_type": True, "render_as_batch": None}
_NO_DEFAULT = object()


class Migrate:
    """Database migrations for a Flask app.

    :param app: the Flask app; ``init_app`` runs at once when it is given.
    :param db: a Flask-SQLAlchemy or Flask-SQLAlchemy-Lite object, or for plain
        SQLAlchemy a ``MetaData`` or declarative base.
    :param directory: the migrations folder (a str or a path).
    :param command: the name of the CLI group (``flask db``).
    :param compare_type: let autogenerate detect column type changes.
    :param render_as_batch: render ``batch_alter_table`` blocks. ``None`` (the
        default) renders them only when the database is SQLite, which is the
        only database that needs them; ``True``/``False`` force it.
    :param kwargs: passed to Alembic's ``EnvironmentContext.configure``.
        ``target_metadata`` gives the models' metadata where ``db`` has none
        (Flask-SQLAlchemy-Lite).

    .. versionchanged:: 0.1
        Unlike Flask-Migrate, ``Migrate(app)`` without ``db`` still registers the
        extension, and commands then explain that the database is missing.
    """

    def __init__(
        self,
        app: Flask | None = None,
        db: Any = None,
        directory: str | os.PathLike[str] = "migrations",
        command: str = "db",
        compare_type: bool = True,
        render_as_batch: bool | None = None,
        **kwargs: Any,
    ) -> None:
        self.configure_callbacks: list[ConfigureCallback] = []
        self.db = db
        self.command = command
        self.directory = str(directory)
        self.alembic_ctx_kwargs: dict[str, Any] = dict(kwargs)
        self.alembic_ctx_kwargs["compare_type"] = compare_type
        self.alembic_ctx_kwargs["render_as_batch"] = render_as_batch
        if app is not None:
            self.init_app(app, db, directory)

    def init_app(
        self,
        app: Flask,
        db: Any = None,
        directory: str | os.PathLike[str] | None = None,
        command: str | None = None,
        compare_type: bool | None = None,
        render_as_batch: bool | None = None,
        **kwargs: Any,
    ) -> None:
        """Register the extension and the ``flask db`` commands on *app*.

        Arguments left as ``None`` keep the values given to the constructor.
        """
        self.db = db if db is not None else self.db
        self.directory = str(directory) if directory is not None else self.directory
        self.command = command or self.command
        if compare_type is not None:
            self.alembic_ctx_kwargs["compare_type"] = compare_type
        if render_as_batch is not None:
            self.alembic_ctx_kwargs["render_as_batch"] = render_as_batch
        self.alembic_ctx_kwargs.update(kwargs)
        app.extensions["migrate"] = MigrateState(self, self.db, **self.alembic_ctx_kwargs)

        from .cli import db as db_group  # the CLI is only needed once an app exists

        app.cli.add_command(db_group, name=self.command)

    def configure(self, f: ConfigureCallback) -> ConfigureCallback:
        """Register *f* to adjust every Alembic ``Config``; it must return one."""
        self.configure_callbacks.append(f)
        return f

    def call_configure_callbacks(self, config: Config) -> Config:
        for callback in self.configure_callbacks:
            config = callback(config)
        return config

    def get_config(
        self,
        directory: str | os.PathLike[str] | None = None,
        x_arg: str | Iterable[str] | None = None,
        opts: Iterable[str] | None = None,
    ) -> Config:
        """The Alembic ``Config`` for the migrations folder *directory*.

        Every command gets its config here, so this is also where Flask-Remodel's
        operations are registered with Alembic, before any script runs.
        """
        import argparse

        from ._runtime import ensure_runtime
        from .config import Config

        ensure_runtime()
        folder = str(directory) if directory is not None else self.directory
        config = Config(os.path.join(folder, "alembic.ini"))
        # configparser interpolates '%', so a literal one must be doubled.
        config.set_main_option("script_location", folder.replace("%", "%%"))
        cmd_opts = config.cmd_opts or argparse.Namespace()
        for name in opts or ():
            setattr(cmd_opts, name, True)
        extra = [x_arg] if isinstance(x_arg, str) else list(x_arg or ())
        cmd_opts.x = list(getattr(cmd_opts, "x", None) or []) + extra
        config.cmd_opts = cmd_opts
        return self.call_configure_callbacks(config)


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
        return {
            name: value
            for name, value in self._configure_args.items()
            if _CONSTRUCTOR_DEFAULTS.get(name, _NO_DEFAULT) != value
        }

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
        return dict(self._configure_args)

    @property
    def metadata(self) -> Any:
        """The default bind's metadata, for very old env.py files."""
        return self.model_source().metadata(None)

    def model_source(self) -> ModelSource:
        if self.raw_db is None:
            raise DatabaseNotConfiguredError()
        return self._model_source()

    def _model_source(self) -> ModelSource:
        if self._source is None:
            app = current_app._get_current_object()  # type: ignore[attr-defined]
            self._source = model_source(self.raw_db, app, self.target_metadata)
        return self._source


def skip_when_emptied(user_hook: Any) -> Callable[[Any, Any, list[Any]], None]:
    """The user's ``process_revision_directives``, not called once nothing is left.

    Flask-Remodel's own hook runs before the environment's and removes the
    directives of an empty autogenerate; hooks written for Flask-Migrate read
    ``directives[0]`` without looking.
    """

    def process(context: Any, revision: Any, directives: list[Any]) -> None:
        if directives and user_hook is not None:
            user_hook(context, revision, directives)

    return process


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
