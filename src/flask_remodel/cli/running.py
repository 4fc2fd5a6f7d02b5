"""``flask db`` commands that change the database (and ``check``, which compares it)."""

from __future__ import annotations

import click

from .. import api
from ..errors import SchemaDiffersError
from ._boundary import options
from ._options import directory_option
from ._options import sql_option
from ._options import tag_option
from ._options import x_arg_option
from .group import db
from .linting import lint_before_upgrade


def _print_sql(run: api.MigrationRun) -> None:
    if run.sql is not None:
        click.echo(run.sql, nl=False)


@db.command()
@directory_option
@sql_option
@tag_option
@x_arg_option
@click.option(
    "--strict", is_flag=True, help="Stop before anything runs if the linter finds errors."
)
@click.argument("revision", default="head")
def upgrade(
    directory: str | None, sql: bool, tag: str | None, x_arg: tuple[str, ...], strict: bool,
    revision: str,
) -> None:
    """Upgrade the database to a revision (default: head)."""
    opts = options()
    if not sql:
        lint_before_upgrade(directory, revision, strict, x_arg)
    _print_sql(
        api.upgrade(opts.directory_for(directory), revision, sql, tag, opts.x_args_with(x_arg))
    )


@db.command()
@directory_option
@sql_option
@tag_option
@x_arg_option
@click.argument("revision", default="-1")
def downgrade(
    directory: str | None, sql: bool, tag: str | None, x_arg: tuple[str, ...], revision: str
) -> None:
    """Downgrade the database to a revision (default: one step back)."""
    opts = options()
    _print_sql(
        api.downgrade(opts.directory_for(directory), revision, sql, tag, opts.x_args_with(x_arg))
    )


@db.command()
@directory_option
@sql_option
@tag_option
@click.option("--purge", is_flag=True, help="Empty the version table before stamping.")
@click.argument("revisions", nargs=-1)
def stamp(
    directory: str | None, sql: bool, tag: str | None, purge: bool, revisions: tuple[str, ...]
) -> None:
    """Record revisions as applied without running them (default: head)."""
    targets = list(revisions) or ["head"]
    _print_sql(api.stamp(options().directory_for(directory), targets, sql, tag, purge))


@db.command("ensure-version")
@directory_option
@sql_option
def ensure_version(directory: str | None, sql: bool) -> None:
    """Create the version table if the database has none."""
    _print_sql(api.ensure_version(options().directory_for(directory), sql))


@db.command()
@directory_option
def check(directory: str | None) -> None:
    """Fail (exit 1) if the models differ from the database."""
    diffs = api.check(options().directory_for(directory))
    if diffs:
        raise SchemaDiffersError(diffs)
    click.echo("No new upgrade operations detected.")
