"""``flask db`` commands that only read: show, history, heads, branches, current."""

from __future__ import annotations

import click

from ..api import listing
from ._boundary import options
from ._options import directory_option
from ._options import verbose_option
from .group import db


@db.command()
@directory_option
@click.argument("revision", default="head")
def show(directory: str | None, revision: str) -> None:
    """Show a revision (default: head)."""
    for record in listing.list_show(options().directory_for(directory), revision):
        click.echo(record.log_entry())


@db.command()
@directory_option
@click.option("-r", "--rev-range", default=None, help="Range of revisions, [start]:[end].")
@verbose_option
@click.option("-i", "--indicate-current", is_flag=True, help="Mark the database's revision.")
def history(
    directory: str | None, rev_range: str | None, verbose: bool, indicate_current: bool
) -> None:
    """List the revisions, newest first."""
    records = listing.list_history(options().directory_for(directory), rev_range, indicate_current)
    for record in records:
        click.echo(
            record.format(verbose, include_branches=True, include_doc=True, include_parents=True)
        )


@db.command()
@directory_option
@verbose_option
@click.option("--resolve-dependencies", is_flag=True, help="Treat dependencies as down revisions.")
@click.option("--check", is_flag=True, help="Fail (exit 1) when there is more than one head.")
def heads(directory: str | None, verbose: bool, resolve_dependencies: bool, check: bool) -> None:
    """List the head revisions."""
    found = listing.list_heads(options().directory_for(directory), resolve_dependencies, check)
    for record in found:
        click.echo(record.format(verbose, include_branches=True, tree_indicators=False))


@db.command()
@directory_option
@verbose_option
def branches(directory: str | None, verbose: bool) -> None:
    """List the branch points."""
    for record in listing.list_branches(options().directory_for(directory)):
        click.echo(record.format(verbose, include_branches=True))
        for child in sorted(record.children):
            click.echo(f"{' ' * len(record.revision)} -> {child}")


@db.command()
@directory_option
@verbose_option
@click.option("--check-heads", is_flag=True, help="Fail unless the database is at every head.")
def current(directory: str | None, verbose: bool, check_heads: bool) -> None:
    """Show the revision the database is at."""
    for record in listing.list_current(options().directory_for(directory), check_heads):
        click.echo(record.format(verbose))
