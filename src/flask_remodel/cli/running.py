"""``flask db`` commands that change the database (and ``check``, which compares it)."""

from __future__ import annotations

import click

from .. import api
from ..errors import SchemaDiffersError
from ._boundary import be_verbose
from ._boundary import options
from ._deploy_output import print_plan
from ._deploy_output import print_summary
from ._deploy_output import progress_printer
from ._fleet_output import fleet_progress
from ._fleet_output import print_fleet_report
from ._options import details_option
from ._options import directory_option
from ._options import fleet_option
from ._options import format_option
from ._options import lock_wait_option
from ._options import plan_option
from ._options import sql_option
from ._options import tag_option
from ._options import target_names
from ._options import targets_option
from ._options import x_arg_option
from .group import command
from .linting import show_findings


def _print_sql(run: api.MigrationRun) -> None:
    if run.sql is not None:
        click.echo(run.sql, nl=False)


@command()
@directory_option
@sql_option
@tag_option
@x_arg_option
@lock_wait_option
@plan_option
@click.option("--backup", is_flag=True, help="Back the database up first (docs/deploys.md).")
@click.option("--backup-dir", default=None, help="Folder for --backup (default: ./backups).")
@click.option("--phase", type=click.Choice(["pre", "post"]), default=None,
              help="pre: stop before the first post-deploy revision; post: run the rest.")
@format_option
@click.option(
    "--strict", is_flag=True, help="Stop before anything runs if the linter finds errors."
)
@details_option(
    "each Alembic context line, the lint findings migrate/lint printed already "
    "and the lock-timeout settings"
)
@fleet_option
@click.option("--parallel", type=click.IntRange(min=1), default=None, metavar="N",
              help="With --fleet: at most N targets at once (default: min(4, 2 x CPUs)).")
@click.option("--canary", type=click.IntRange(min=0), default=1, show_default=True, metavar="N",
              help="With --fleet: the first N targets run alone first; a failure stops all.")
@click.option("--keep-going", is_flag=True,
              help="With --fleet: start the other targets after a failure.")
@click.option("--resume", is_flag=True,
              help="With --fleet: skip targets already at the revision, run the rest.")
@targets_option
@click.argument("revision", default="head")
def upgrade(
    directory: str | None, sql: bool, tag: str | None, x_arg: tuple[str, ...],
    lock_wait: float | None, plan: bool, backup: bool, backup_dir: str | None,
    phase: str | None, output_format: str, strict: bool, verbose: bool, fleet: bool,
    parallel: int | None, canary: int, keep_going: bool, resume: bool, targets: str | None,
    revision: str,
) -> None:
    """Upgrade the database to a revision (default: head)."""
    opts = be_verbose() if verbose else options()
    folder, x_args = opts.directory_for(directory), opts.x_args_with(x_arg)
    if fleet and plan:
        _plan_fleet(
            folder, revision, x_args, phase, output_format, targets,
            "sql", "backup", "backup_dir", "tag", "strict", "lock_wait", "parallel",
            "keep_going", "resume",
        )
        return
    if fleet:
        refused = [name for name, given in (
            ("--sql", sql), ("--backup", backup), ("--phase", phase),
            ("--tag", tag), ("--strict", strict),
        ) if given]
        if refused:
            raise click.UsageError(f"--fleet does not take {', '.join(refused)}.")
        _upgrade_fleet(
            folder, revision, x_args, lock_wait, output_format, parallel, canary, keep_going,
            resume, targets,
        )
        return
    fleet_only = [name for name, given in (
        ("--parallel", parallel is not None), ("--keep-going", keep_going),
        ("--resume", resume), ("--targets", targets is not None),
    ) if given]
    if fleet_only:
        raise click.UsageError(f"{', '.join(fleet_only)} only go with --fleet.")
    if plan:
        print_plan(api.plan(folder, revision, False, x_args, phase), output_format)
        return
    run = api.upgrade(
        folder, revision, sql, tag, x_args, lock_wait=lock_wait, phase=phase, backup=backup,
        backup_dir=backup_dir, progress=progress_printer(output_format),
        strict=strict, show_findings=show_findings, repeat_recorded=opts.verbose,
    )
    _print_sql(run)
    print_summary(run, output_format)


def _plan_fleet(
    folder: str | None, revision: str, x_args: list[str], phase: str | None,
    output_format: str, targets: str | None, *run_options: str,
) -> None:
    """``upgrade --plan --fleet``: what each target would run; nothing runs.

    Options of a run typed on the command line are refused; set in the
    environment (a deploy script's ``FLASK_DB_UPGRADE_PARALLEL``) they are
    left alone, so the same environment can plan and then run.
    """
    from ._fleet_output import print_fleet_plan

    context = click.get_current_context()
    typed = [
        f"--{name.replace('_', '-')}" for name in (*run_options, "canary")
        if context.get_parameter_source(name) is click.core.ParameterSource.COMMANDLINE
    ]
    if typed:
        raise click.UsageError(
            f"--plan --fleet changes nothing, so it does not take {', '.join(typed)}."
        )
    rows = api.fleet_plan(
        folder, revision, targets=target_names(targets), x_arg=x_args, phase=phase
    )
    print_fleet_plan(rows, revision, output_format)


def _upgrade_fleet(
    folder: str | None, revision: str, x_args: list[str], lock_wait: float | None,
    output_format: str, parallel: int | None, canary: int, keep_going: bool, resume: bool,
    targets: str | None,
) -> None:
    progress = fleet_progress(output_format)
    report = api.fleet_upgrade(
        folder, revision, targets=target_names(targets), parallel=parallel, canary=canary,
        keep_going=keep_going, resume=resume, x_arg=x_args, lock_wait=lock_wait,
        progress=progress,
    )
    print_fleet_report(report, output_format, live=progress is not None)
    if not report.ok:
        from ..fleet.errors import FleetFailedError

        raise FleetFailedError(
            [t.name for t in report.failed], len(report.in_state("not started"))
        )


@command()
@directory_option
@sql_option
@tag_option
@x_arg_option
@lock_wait_option
@plan_option
@format_option
@details_option("each Alembic context line and the lock-timeout settings")
@click.argument("revision", default="-1")
def downgrade(
    directory: str | None, sql: bool, tag: str | None, x_arg: tuple[str, ...],
    lock_wait: float | None, plan: bool, output_format: str, verbose: bool, revision: str,
) -> None:
    """Downgrade the database to a revision (default: one step back)."""
    opts = be_verbose() if verbose else options()
    folder, x_args = opts.directory_for(directory), opts.x_args_with(x_arg)
    if plan:
        print_plan(api.plan(folder, revision, True, x_args), output_format)
        return
    run = api.downgrade(
        folder, revision, sql, tag, x_args, lock_wait=lock_wait,
        progress=progress_printer(output_format),
    )
    _print_sql(run)
    print_summary(run, output_format)


@command()
@directory_option
@sql_option
@tag_option
@click.option("--purge", is_flag=True, help="Empty the version table before stamping.")
@lock_wait_option
@details_option("each Alembic context line")
@click.argument("revisions", nargs=-1)
def stamp(
    directory: str | None, sql: bool, tag: str | None, purge: bool, lock_wait: float | None,
    verbose: bool, revisions: tuple[str, ...],
) -> None:
    """Record revisions as applied without running them (default: head)."""
    targets = list(revisions) or ["head"]
    folder = (be_verbose() if verbose else options()).directory_for(directory)
    _print_sql(api.stamp(folder, targets, sql, tag, purge, lock_wait=lock_wait))


@command("ensure-version")
@directory_option
@sql_option
def ensure_version(directory: str | None, sql: bool) -> None:
    """Create the version table if the database has none."""
    _print_sql(api.ensure_version(options().directory_for(directory), sql))


@command()
@directory_option
def check(directory: str | None) -> None:
    """Fail (exit 1) if the models differ from the database."""
    diffs = api.check(options().directory_for(directory))
    if diffs:
        raise SchemaDiffersError(diffs)
    click.echo("No new upgrade operations detected.")
