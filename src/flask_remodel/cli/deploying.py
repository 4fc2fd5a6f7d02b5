"""``flask db status``, ``validate`` and ``resolve``: the deploy ledger's commands."""

from __future__ import annotations

import click

from .. import api
from ..deploy.errors import LedgerMismatchError
from ._boundary import options
from ._deploy_output import print_status
from ._fleet_output import print_fleet_status
from ._options import directory_option
from ._options import fleet_option
from ._options import format_option
from ._options import lock_wait_option
from ._options import target_names
from ._options import targets_option
from .group import command


@command()
@directory_option
@format_option
@fleet_option
@targets_option
def status(
    directory: str | None, output_format: str, fleet: bool, targets: str | None
) -> None:
    """Show applied, pending and failed revisions (version table and ledger)."""
    folder = options().directory_for(directory)
    if fleet:
        print_fleet_status(api.fleet_status(folder, target_names(targets)), output_format)
        return
    if targets is not None:
        raise click.UsageError("--targets only goes with --fleet.")
    print_status(api.status(folder), output_format)


@command()
@directory_option
@fleet_option
@targets_option
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json"]), default="text",
    show_default=True, help="With --fleet: json prints one JSON object.",
)
def validate(
    directory: str | None, fleet: bool, targets: str | None, output_format: str
) -> None:
    """Fail (exit 8) if an applied revision's file was edited or is missing."""
    folder = options().directory_for(directory)
    if fleet:
        _validate_fleet(folder, targets, output_format)
        return
    if targets is not None or output_format != "text":
        raise click.UsageError("--targets and --format only go with --fleet.")
    problems = api.validate(folder)
    if problems:
        raise LedgerMismatchError(problems)
    click.echo("Every applied revision matches its file.")


def _validate_fleet(folder: str | None, targets: str | None, output_format: str) -> None:
    from ..fleet.errors import FleetUnreadableError
    from ..fleet.errors import FleetValidationError
    from ._fleet_output import print_fleet_validation

    rows = api.fleet_validate(folder, target_names(targets))
    print_fleet_validation(rows, output_format)
    edited = [r.name for r in rows if r.problems]
    unreadable = [r.name for r in rows if r.error is not None]
    if edited:
        raise FleetValidationError(edited, unreadable)
    if unreadable:
        raise FleetUnreadableError(edited, unreadable)


@command()
@directory_option
@lock_wait_option
@click.option("--applied", "outcome", flag_value="applied",
              help="The revision was finished by hand: record it as applied.")
@click.option("--rolled-back", "outcome", flag_value="rolled-back",
              help="The revision was undone by hand: the next upgrade runs it again.")
@click.option("--retired", "outcome", flag_value="retired",
              help="The revision's file was removed on purpose: stop checking it.")
@click.argument("revision")
def resolve(
    directory: str | None, lock_wait: float | None, outcome: str | None, revision: str
) -> None:
    """Record how a failed or interrupted revision was repaired by hand, or retire one."""
    if outcome is None:
        raise click.UsageError("say what was done: --applied, --rolled-back or --retired")
    folder = options().directory_for(directory)
    if outcome == "retired":
        revision = api.retire(revision, folder, lock_wait)
    else:
        api.resolve(revision, outcome == "applied", folder, lock_wait)
    click.echo(f"Recorded {revision} as {outcome.replace('-', ' ')}.")
