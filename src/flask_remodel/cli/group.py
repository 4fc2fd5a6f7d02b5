"""The ``flask db`` group: its own options and the error boundary around every command."""

from __future__ import annotations

import functools
from collections.abc import Callable
from collections.abc import MutableMapping
from importlib import import_module
from typing import Any

import click
from flask.cli import AppGroup

from ._boundary import Options
from ._boundary import check_settings
from ._boundary import command_boundary
from ._options import directory_option
from ._options import x_arg_option

OPTIONS_KEY = "flask_remodel.options"

#: The module whose ``@db.command`` decorator registers each command, so that
#: running one command imports its own module only (``flask db heads`` needs
#: none of the writing, squashing or graphing code).
COMMAND_HOMES = {
    "branches": "inspecting", "current": "inspecting", "heads": "inspecting",
    "history": "inspecting", "show": "inspecting",
    "check": "running", "downgrade": "running", "ensure-version": "running",
    "stamp": "running", "upgrade": "running",
    "edit": "writing", "init": "writing", "list-templates": "writing", "merge": "writing",
    "migrate": "writing", "revision": "writing",
    "resolve": "deploying", "status": "deploying", "validate": "deploying",
    "graph": "graphing", "lint": "linting", "squash": "squashing", "test": "testing",
}
COMMAND_MODULES = tuple(sorted(set(COMMAND_HOMES.values())))


class DbGroup(AppGroup):
    """An ``AppGroup`` that runs each command inside :func:`command_boundary`.

    The commands are registered when something asks for them, not when
    ``Migrate(app, db)`` adds the group to the app: every process of the app
    (web workers included) would otherwise import every command's module.
    Looking up one command imports the module that defines it; listing them
    (``--help``, completion) or reading ``commands`` imports them all.
    """

    _registering = False  # the command modules are imported, or being imported
    _adding = False  # inside add_command

    @property
    def commands(self) -> MutableMapping[str, click.Command]:
        if not (self._registering or self._adding):
            self._registering = True
            for name in COMMAND_MODULES:
                import_module(f"{__package__}.{name}")
        return self._commands

    @commands.setter
    def commands(self, value: MutableMapping[str, click.Command]) -> None:
        self._commands = value

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        home = COMMAND_HOMES.get(cmd_name)
        if home is not None and not self._registering:
            import_module(f"{__package__}.{home}")
            found = self._commands.get(cmd_name)
            if found is not None:
                return found
        # Another name (a command added to the group by the app): all of them.
        return super().get_command(ctx, cmd_name)

    def command(  # type: ignore[override]
        self, *args: Any, **kwargs: Any
    ) -> Callable[[Callable[..., Any]], click.Command]:
        """``AppGroup.command``, the callback run once the app's settings are checked."""
        register = super().command(*args, **kwargs)

        def decorator(f: Callable[..., Any]) -> click.Command:
            @functools.wraps(f)
            def checked(*f_args: Any, **f_kwargs: Any) -> Any:
                check_settings()
                return f(*f_args, **f_kwargs)

            return register(checked)

        return decorator

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        # Registering must not import the other command modules: a command
        # module imported on its own (a test, a plugin) may itself be imported
        # by one of them, which would then see it half-initialised.
        self._adding = True
        try:
            super().add_command(cmd, name)
        finally:
            self._adding = False

    def invoke(self, ctx: click.Context) -> Any:
        opts = Options(
            directory=ctx.params.get("directory"),
            x_arg=tuple(ctx.params.get("x_arg") or ()),
            traceback=bool(ctx.params.get("traceback")),
            show_sql=bool(ctx.params.get("verbose")),
        )
        ctx.meta[OPTIONS_KEY] = opts
        with command_boundary(opts):
            if _has_async_db(ctx):
                from ..async_bridge import run_bridged

                return run_bridged(lambda: super(DbGroup, self).invoke(ctx))
            return super().invoke(ctx)


def _has_async_db(ctx: click.Context) -> bool:
    """Whether the app's ``db`` gives async engines: its commands then run bridged.

    ``flask`` itself has pushed the app's context by now; a CLI runner may not
    have, and the app is then loaded as the command's ``with_appcontext``
    would load it. An app that cannot be loaded fails in the command, as usual.
    """
    from flask import current_app
    from flask import has_app_context
    from flask.cli import ScriptInfo

    from ..async_bridge import is_async_db

    if has_app_context():
        app = current_app._get_current_object()  # type: ignore[attr-defined]
    else:
        info = ctx.find_object(ScriptInfo)
        if info is None:
            return False
        try:
            app = info.load_app()
        except Exception:
            return False
    state = app.extensions.get("migrate")
    return is_async_db(getattr(state, "raw_db", None))


@click.group(cls=DbGroup)
@directory_option
@x_arg_option
@click.option("--traceback", is_flag=True, help="Show the full trace of any error.")
@click.option("-v", "--verbose", is_flag=True, help="Show the SQL being run.")
def db(directory: str | None, x_arg: tuple[str, ...], traceback: bool, verbose: bool) -> None:
    """Database migrations (Flask-Remodel)."""
