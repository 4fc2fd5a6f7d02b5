"""The ``flask db`` group: its own options and the error boundary around every command."""

from __future__ import annotations

from typing import Any

import click
from flask.cli import AppGroup

from ._boundary import Options
from ._boundary import command_boundary
from ._options import directory_option
from ._options import x_arg_option

OPTIONS_KEY = "flask_remodel.options"


class DbGroup(AppGroup):
    """An ``AppGroup`` that runs each command inside :func:`command_boundary`."""

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
