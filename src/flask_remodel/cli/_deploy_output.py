"""How deploy progress, plans and status are printed (text, or one JSON object a line)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from typing import Any

import click

if TYPE_CHECKING:
    from ..api import MigrationRun
    from ..deploy import DeployStatus
    from ..deploy import Event
    from ..deploy import PlannedRevision
    from ..deploy.runner import Progress


def _json(data: dict[str, Any]) -> None:
    click.echo(json.dumps(data, default=str, sort_keys=True))


def _label(event: Event) -> str:
    text = event.revision or ""
    return f"{text} ({event.message})" if event.message else text


_BAR = 20


def _counter(index: int, total: int) -> str:
    """``[2/5]``; from ten revisions on, with a bar in front (``[#####-----] 5/10``)."""
    if total < 10:
        return f"[{index}/{total}]"
    done = round(_BAR * index / total)
    return f"[{'#' * done}{'-' * (_BAR - done)}] {index}/{total}"


def progress_printer(output_format: str) -> Progress:
    """A callback that prints each deploy event as it happens."""

    def emit(event: Event) -> None:
        if output_format == "json":
            _json({"event": event.kind, "revision": event.revision, "message": event.message,
                   "index": event.index, "total": event.total, "seconds": event.seconds,
                   "detail": event.detail})
            return
        count = _counter(event.index, event.total)
        if event.kind == "waiting":
            click.echo(
                f"Waiting for the deploy lock, {event.detail} "
                f"(waited {event.seconds or 0:.0f} s)", err=True,
            )
        elif event.kind in ("applied", "rolled_back"):
            verb = "applied" if event.kind == "applied" else "rolled back"
            click.echo(f"{count} {verb} {_label(event)} in {event.seconds or 0:.2f} s")
        elif event.kind == "stopping":
            from ..deploy.cut_off import WAIT_BEFORE_CANCEL  # loaded with the deploy already

            click.echo(
                f"Stopping, {event.detail}. The deploy lock is kept until the server is done "
                f"with that statement (cancelled after {WAIT_BEFORE_CANCEL:.0f} s); press "
                "Ctrl-C again to leave it to the next upgrade.", err=True,
            )
        elif event.kind == "failed":
            click.echo(f"{count} failed {_label(event)} after {event.seconds or 0:.2f} s")
        elif event.kind == "backup":
            click.echo(event.detail)
        elif event.kind == "resuming":
            click.echo(f"Resuming {event.revision}: {event.detail}")
        elif event.kind == "held":
            click.echo(
                f"Held back for after the deploy (post-deploy): {event.detail}. Run "
                "'flask db upgrade --phase post' once the new code runs everywhere."
            )

    return emit


def print_summary(run: MigrationRun, output_format: str) -> None:
    report = run.deploy
    if report is None:
        return
    if output_format == "json":
        _json({"event": "done", "steps": len(report.steps), "locked": report.locked,
               "waited": round(report.waited, 3),
               "backup": str(report.backup.path) if report.backup else None,
               "held_back": report.held_back})
    elif not report.steps and not report.held_back:
        click.echo("Nothing to do: the database is already there.")


def print_plan(planned: list[PlannedRevision], output_format: str) -> None:
    if output_format == "json":
        for entry in planned:
            _json({"event": "plan", **entry.as_dict(), "rollback": entry.rollback_note()})
        return
    if not planned:
        click.echo("Nothing would run: the database is already there.")
        return
    click.echo(f"{len(planned)} revision(s) would {planned[0].direction}; nothing was changed.")
    for entry in planned:
        phase = f"phase: {entry.phase}; " if entry.phase else ""
        click.echo(f"\n{entry.revision}  {entry.message}  ({phase}{entry.rollback_note()})")
        for op in entry.operations:
            click.echo(f"  {op}")
        if entry.sql is not None:
            click.echo("  SQL:")
            for line in entry.sql.strip().splitlines():
                click.echo(f"    {line}")
        else:
            click.echo(f"  SQL: not available offline ({entry.sql_note})")
        if entry.findings:
            click.echo("  Linter:")
            for line in entry.findings:
                click.echo(f"    {line}")


def _when(entry: Any) -> str:
    if entry is None:
        return "(no ledger entry)"
    took = f" in {entry.duration_ms / 1000:.2f} s" if entry.duration_ms is not None else ""
    return (f"{entry.outcome} {entry.started_at:%Y-%m-%d %H:%M:%S} UTC{took} "
            f"by {entry.username}@{entry.host}")


def print_status(status: DeployStatus, output_format: str) -> None:
    # Here: the CLI imports deploy code on use.
    from ..deploy.committed import is_in_flight
    from ..deploy.committed import one_line

    if output_format == "json":
        _json(status.as_dict())
        return
    click.echo(f"Database at: {', '.join(status.heads) or 'base (nothing applied)'}")
    if not status.has_ledger:
        click.echo("No ledger yet: the next upgrade creates it.")
    click.echo(f"Applied ({len(status.applied)}):")
    for state in status.applied:
        edited = "  EDITED since applied" if state.edited else ""
        click.echo(f"  {state.revision}  {state.message}  {_when(state.entry)}{edited}")
    click.echo(f"Pending ({len(status.pending)}):")
    for state in status.pending:
        phase = f"[{state.phase}] " if state.phase else ""
        click.echo(f"  {state.revision}  {phase}{state.message}")
    if status.problems:
        click.echo(f"Needs attention ({len(status.problems)}):")
    for state in status.problems:
        entry = state.entry
        assert entry is not None
        where = f" at {entry.failed_operation}" if entry.failed_operation else ""
        click.echo(f"  {state.revision}  {state.state}{where}: {state.reason}")
        for statement in entry.executed:
            said = "uncertain" if is_in_flight(statement) else "committed"
            click.echo(f"      {said}: {one_line(statement, 120)}")
    if status.lock_holder:
        click.echo(f"Deploy lock: held by {status.lock_holder}")
