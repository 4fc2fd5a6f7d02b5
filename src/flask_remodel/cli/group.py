"""The ``flask db`` group: its own options and the error boundary around every command."""

from __future__ import annotations

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
from ._boundary import command_boundary
from ._options import directory_option
from ._options import x_arg_option

OPTIONS_KEY = "flask_remodel.options"

F = TypeVar("F", bound=Callable[..., Any])


def command(name: str | None = None) -> Callable[[F], click.Command]:
    """Declare a ``flask db`` command, run in the app context (as ``AppGroup.command`` does).

    It joins the group by being listed in :mod:`flask_remodel.cli`, the one
    registry of the group's own commands.
    """

    def decorator(f: F) -> click.Command:
        return click.command(name)(with_appcontext(f))

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
        )
        ctx.meta[OPTIONS_KEY] = opts
        with command_boundary(opts):
            return super().invoke(ctx)


@click.group(cls=DbGroup)
@directory_option
@x_arg_option
@click.option("--traceback", is_flag=True, help="Show the full trace of any error.")
@click.option("-v", "--verbose", is_flag=True, help="Show the SQL being run.")
def db(directory: str | None, x_arg: tuple[str, ...], traceback: bool, verbose: bool) -> None:
    """Database migrations (Flask-Remodel)."""
