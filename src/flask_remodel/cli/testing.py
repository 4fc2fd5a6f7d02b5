"""``flask db test``: the built-in migration checks on a scratch database."""

from __future__ import annotations

import logging

import click

from ..errors import MigrationTestFailedError
from ._boundary import options
from ._options import directory_option
from ._options import fleet_option
from ._options import target_names
from ._options import targets_option
from .group import command


@command("test")
@directory_option
@click.option(
    "--url", default=None,
    help="Server to create the scratch database on (default: the app's database URL).",
)
@click.option(
    "--heads", "expected_heads", type=click.IntRange(min=1), default=1, show_default=True,
    help="Number of heads the history should have.",
)
@click.option(
    "--seed", type=int, default=0, show_default=True, help="Seed of the generated rows."
)
@fleet_option
@targets_option
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json"]), default="text",
    show_default=True, help="With --fleet: json prints one JSON object.",
)
def test(
    directory: str | None, url: str | None, expected_heads: int, seed: int, fleet: bool,
    targets: str | None, output_format: str,
) -> None:
    """Check the migrations on a scratch database (upgrade, downgrade, data, models)."""
    if fleet:
        if url is not None:
            raise click.UsageError(
                "--fleet tests on each target's server; it does not take --url."
            )
        _test_fleet(directory, expected_heads, seed, targets, output_format)
        return
    if targets is not None or output_format != "text":
        raise click.UsageError("--targets and --format only go with --fleet.")
    from ..testing import checks  # Alembic: not for listing the commands (--help)
    from ..testing import suite  # Alembic: not for listing the commands (--help)

    # Alembic's "Running upgrade ..." lines would repeat every revision three
    # times between the result lines, which already name each one; its
    # autogenerate notes would repeat the models-match line.
    quiet = logging.getLogger("alembic")
    level = quiet.level
    quiet.setLevel(logging.WARNING)
    try:
        report = suite.check_migrations(
            options().directory_for(directory), url, expected_heads, seed,
            report=lambda result: click.echo(checks.describe(result)),
        )
    finally:
        quiet.setLevel(level)
    statuses = (checks.PASSED, checks.FAILED, checks.IRREVERSIBLE, checks.SKIPPED)
    counts = ", ".join(f"{report.count(status)} {status}" for status in statuses)
    tail = f"; {report.not_run} revision(s) not reached" if report.not_run else ""
    click.echo(f"{counts}{tail}.")
    failures = report.failures
    if failures:
        first = failures[0]
        raise MigrationTestFailedError(first.revision, first.operation, first.detail, len(failures))


def _test_fleet(
    directory: str | None, expected_heads: int, seed: int, targets: str | None,
    output_format: str,
) -> None:
    from .. import api
    from ..fleet.errors import FleetTestFailedError
    from ._fleet_output import print_fleet_test

    quiet = logging.getLogger("alembic")  # as above: the table says what ran
    level = quiet.level
    quiet.setLevel(logging.WARNING)
    try:
        runs = api.fleet_test(
            options().directory_for(directory), target_names(targets), expected_heads, seed
        )
    finally:
        quiet.setLevel(level)
    print_fleet_test(runs, output_format)
    failed = [run.where for run in runs if not run.ok]
    if failed:
        raise FleetTestFailedError(failed)
