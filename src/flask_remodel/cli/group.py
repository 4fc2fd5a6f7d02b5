"""The ``flask db`` group: its own options and the error boundary around every command."""

from __future__ import annotations

import functools
from collections.abc import Callable
from collections.abc import MutableMapping
from importlib import import_module
from types import ModuleType
from typing import Any
from typing import TypeVar

import click
from flask.cli import AppGroup
from flask.cli import with_appcontext

from ._boundary import Options
from ._boundary import check_settings
from ._boundary import command_boundary
from ._options import directory_option
from ._options import x_arg_option

OPTIONS_KEY = "flask_remodel.options"

F = TypeVar("F", bound=Callable[..., Any])


def command(name: str | None = None) -> Callable[[F], click.Command]:
    """Declare a ``flask db`` command, run in the app context (as ``AppGroup.command`` does)
    once the app's settings are checked.

    It joins the group by being listed in :mod:`flask_remodel.cli`, the one
    registry of the group's own commands.
    """

    def decorator(f: F) -> click.Command:
        # The app's REMODEL_* settings are checked before any command runs, so a
        # typo is reported by whatever command comes first.
        @functools.wraps(f)
        def checked(*f_args: Any, **f_kwargs: Any) -> Any:
            check_settings()
            return f(*f_args, **f_kwargs)

        return click.command(name)(with_appcontext(checked))

    return decorator


def _registry() -> ModuleType:
    return import_module(__package__ or "flask_remodel.cli")


def declared_command(name: str) -> click.Command | None:
    """The registered command *name*, importing the one module that defines it."""
    found = getattr(_registry(), name.replace("-", "_"), None)
    return found if isinstance(found, click.Command) and found.name == name else None


def declared_commands() -> list[click.Command]:
    """Every registered command (importing every command module)."""
    registry = _registry()
    found = [getattr(registry, name) for name in registry.__all__]
    return [each for each in found if isinstance(each, click.Command) and each is not db]


class DbGroup(AppGroup):
    """An ``AppGroup`` that runs each command inside :func:`command_boundary`.

    The commands are added when something asks for them, not when
    ``Migrate(app, db)`` adds the group to the app: every process of the app
    (web workers included) would otherwise import every command's module.
    Looking up one command imports the module that defines it; listing them
    (``--help``, completion) or reading ``commands`` imports them all.
    """

    _adding = False  # inside add_command

    @property
    def commands(self) -> MutableMapping[str, click.Command]:
        if not self._adding:
            for each in declared_commands():
                self._commands.setdefault(each.name or "", each)
        return self._commands

    @commands.setter
    def commands(self, value: MutableMapping[str, click.Command]) -> None:
        self._commands = value

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = self._commands.get(cmd_name)  # looked up before, or added by the app
        if found is None:
            found = declared_command(cmd_name)
            if found is not None:
                self._commands[cmd_name] = found
        return found

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
        # A command the app adds must not import every command module (in
        # every process of the app, web workers included).
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
            verbose=bool(ctx.params.get("verbose")),
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
