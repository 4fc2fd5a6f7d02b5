"""``flask db`` commands that only read: show, history, heads, branches, current."""

from __future__ import annotations

import click

from .. import api
from ._boundary import options
from ._options import directory_option
from ._options import verbose_option
from .group import db


@db.command()
@directory_option
@click.argument("revision", default="head")
def show(directory: str | None, revision: str) -> None:
    """Show a revision (default: head)."""
    for script in api.show(options().directory_for(directory), revision):
        click.echo(script.log_entry)


@db.command()
@directory_option
@click.option("-r", "--rev-range", default=None, help="Range of revisions, [start]:[end].")
@verbose_option
@click.option("-i", "--indicate-current", is_flag=True, help="Mark the database's revision.")
def history(
    directory: str | None, rev_range: str | None, verbose: bool, indicate_current: bool
) -> None:
    """List the revisions, newest first."""
    from .._alembic import mark_current

    entries = api.history(options().directory_for(directory), rev_range, verbose, indicate_current)
    for entry in entries:
        mark_current(entry.script, entry.is_current)
        click.echo(
            entry.script.cmd_format(
                verbose, include_branches=True, include_doc=True, include_parents=True
            )
        )


@db.command()
@directory_option
@verbose_option
@click.option("--resolve-dependencies", is_flag=True, help="Treat dependencies as down revisions.")
@click.option("--check", is_flag=True, help="Fail (exit 1) when there is more than one head.")
def heads(directory: str | None, verbose: bool, resolve_dependencies: bool, check: bool) -> None:
    """List the head revisions."""
    found = api.heads(options().directory_for(directory), verbose, resolve_dependencies, check)
    for script in found:
        click.echo(script.cmd_format(verbose, include_branches=True, tree_indicators=False))


@db.command()
@directory_option
@verbose_option
def branches(directory: str | None, verbose: bool) -> None:
    """List the branch points."""
    for script in api.branches(options().directory_for(directory), verbose):
        click.echo(script.cmd_format(verbose, include_branches=True))
        for child in sorted(script.nextrev):
            click.echo(f"{' ' * len(script.revision)} -> {child}")


@db.command()
@directory_option
@verbose_option
@click.option("--check-heads", is_flag=True, help="Fail unless the database is at every head.")
def current(directory: str | None, verbose: bool, check_heads: bool) -> None:
    """Show the revision the database is at."""
    for script in api.current(options().directory_for(directory), verbose, check_heads):
        click.echo(script.cmd_format(verbose))
