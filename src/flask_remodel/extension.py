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
from typing import TYPE_CHECKING
from typing import Any

from flask import Flask

# The per-app state lives in its own module, which the CLI and the env.py machinery
# import without importing the extension (and through it the CLI); kept importable here.
from .state import MigrateState as MigrateState
from .state import current_settings as current_settings
from .state import current_state as current_state

if TYPE_CHECKING:
    # Alembic is imported when a command first needs a Config, not with the
    # extension (see flask_remodel._lazy).
    from .config import Config

ConfigureCallback = Callable[["Config"], "Config"]



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
