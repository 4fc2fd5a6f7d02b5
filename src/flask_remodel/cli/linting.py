"""``flask db lint``, and the lint steps ``migrate`` and ``upgrade`` call (one line each)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import click

from .. import api
from ..lint import LintFindingsError
from ..lint import LintReport
from ..lint import Severity
from ..lint.model import DIALECTS
from ..lint.reporters import FORMATS
from ..lint.reporters import text
from ._boundary import options
from ._options import directory_option
from .group import command

if TYPE_CHECKING:
    from alembic.script import Script


@command()
@directory_option
@click.option("--all", "all_", is_flag=True, help="Lint every revision, not only pending ones.")
@click.option(
    "--target",
    default=None,
    metavar="DB[:VERSION]",
    help=f"Database to lint for: {'|'.join(DIALECTS)}, optionally with a server version "
    "(default: the configured database).",
)
@click.option(
    "--format",
    "format_",
    type=click.Choice(sorted(FORMATS)),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "info"]),
    default="error",
    show_default=True,
    help="Exit 1 when a finding is at or above this severity.",
)
@click.option(
    "--baseline",
    default=None,
    help="Exempt this revision and all before it (default: REMODEL_LINT_BASELINE).",
)
@click.option("--enable", multiple=True, help="Switch on an opt-in rule (id or slug); repeatable.")
@click.option("--disable", multiple=True, help="Switch off a rule (id or slug); repeatable.")
@click.option(
    "--verify",
    default=None,
    metavar="URL",
    help="Also run the revisions on this scratch PostgreSQL or MariaDB/MySQL database and "
    "report where locks and rewrites differ from the prediction (nothing is kept).",
)
@click.option(
    "--sql",
    is_flag=True,
    help="Judge the revisions as the script 'upgrade --sql' writes, run by another tool: "
    "it sets the env.py's lock and statement timeouts, without their retries.",
)
@click.argument("revision_range", required=False)
def lint(
    directory: str | None,
    all_: bool,
    target: str | None,
    format_: str,
    fail_on: str,
    baseline: str | None,
    enable: tuple[str, ...],
    disable: tuple[str, ...],
    verify: str | None,
    sql: bool,
    revision_range: str | None,
) -> None:
    """Check revisions for unsafe operations (default: those not yet applied)."""
    if all_ and revision_range:
        raise click.UsageError("Give a REVISION_RANGE or --all, not both.")
    report = api.lint(
        options().directory_for(directory), revision_range, all_, target, baseline, enable,
        disable, verify, sql,
    )
    click.echo(FORMATS[format_](report), nl=False)
    failing = report.at_or_above(Severity.parse(fail_on))
    if failing:
        raise LintFindingsError(len(failing), fail_on)


def show_findings(report: LintReport | None) -> None:
    """Warnings and errors on stderr (infos are for an explicit ``flask db lint``)."""
    if report is None:
        return
    shown = [f for f in report.findings if f.severity >= Severity.WARNING]
    if shown:
        click.echo(text(replace(report, findings=shown)), nl=False, err=True)


def lint_written(script: Script | None, directory: str | None, x_arg: tuple[str, ...]) -> None:
    """After ``migrate`` wrote *script*: print what the linter finds in it."""
    if script is not None:
        opts = options()
        folder, x_args = opts.directory_for(directory), opts.x_args_with(x_arg)
        show_findings(api.lint_new_script(script, folder, x_args))
