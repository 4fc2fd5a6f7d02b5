"""``flask db`` commands that only read: show, history, heads, branches, current.

Each prints what Alembic's command of the same name prints (Alembic's own
``Script.cmd_format`` and ``log_entry``). ``heads``, ``current`` and a whole
``history`` take the fast path when the app allows it (:mod:`flask_remodel.api.fast_path`); its
revisions print the same way without Alembic being imported.
"""

from __future__ import annotations

import click

from .. import api
from ..api.fast_path import open_fast_path
from ._boundary import options
from ._options import directory_option
from ._options import fleet_option
from ._options import target_names
from ._options import targets_option
from ._options import verbose_option
from .group import command


@command()
@directory_option
@click.argument("revision", default="head")
def show(directory: str | None, revision: str) -> None:
    """Show a revision (default: head)."""
    for script in api.show(options().directory_for(directory), revision):
        click.echo(script.log_entry)


@command()
@directory_option
@click.option("-r", "--rev-range", default=None, help="Range of revisions, [start]:[end].")
@verbose_option
@click.option("-i", "--indicate-current", is_flag=True, help="Mark the database's revision.")
def history(
    directory: str | None, rev_range: str | None, verbose: bool, indicate_current: bool
) -> None:
    """List the revisions, newest first."""
    folder = options().directory_for(directory)
    fast = open_fast_path(folder) if rev_range is None and not indicate_current else None
    found = fast.history() if fast is not None else [
        entry.script for entry in api.history(folder, rev_range, indicate_current=indicate_current)
    ]
    for revision in found:
        click.echo(
            revision.cmd_format(
                verbose, include_branches=True, include_doc=True, include_parents=True
            )
        )


@command()
@directory_option
@verbose_option
@click.option("--resolve-dependencies", is_flag=True, help="Treat dependencies as down revisions.")
@click.option("--check", is_flag=True, help="Fail (exit 1) when there is more than one head.")
def heads(directory: str | None, verbose: bool, resolve_dependencies: bool, check: bool) -> None:
    """List the head revisions."""
    folder = options().directory_for(directory)
    fast = open_fast_path(folder)
    found = (
        fast.heads(check) if fast is not None
        else api.heads(folder, resolve_dependencies=resolve_dependencies, check=check)
    )
    for revision in found:
        click.echo(revision.cmd_format(verbose, include_branches=True, tree_indicators=False))


@command()
@directory_option
@verbose_option
def branches(directory: str | None, verbose: bool) -> None:
    """List the branch points."""
    for script in api.branches(options().directory_for(directory)):
        click.echo(script.cmd_format(verbose, include_branches=True))
        for child in sorted(script.nextrev):
            click.echo(f"{' ' * len(script.revision)} -> {child}")


@command()
@directory_option
@verbose_option
@click.option("--check-heads", is_flag=True, help="Fail unless the database is at every head.")
@fleet_option
@targets_option
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json"]), default="text",
    show_default=True, help="With --fleet: json prints one JSON object.",
)
def current(
    directory: str | None, verbose: bool, check_heads: bool, fleet: bool, targets: str | None,
    output_format: str,
) -> None:
    """Show the revision the database is at."""
    folder = options().directory_for(directory)
    if fleet:
        from ._fleet_output import print_fleet_current

        print_fleet_current(api.fleet_status(folder, target_names(targets)), output_format)
        return
    fast = open_fast_path(folder)
    found = fast.current(check_heads) if fast is not None else None
    for revision in found if found is not None else api.current(folder, check_heads=check_heads):
        click.echo(revision.cmd_format(verbose))
