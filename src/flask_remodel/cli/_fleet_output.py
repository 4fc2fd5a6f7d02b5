"""How fleet runs and fleet status are printed: a live line, a table, or one JSON object."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from collections.abc import Sequence
from typing import TYPE_CHECKING
from typing import Any

import click

if TYPE_CHECKING:
    from ..api.fleet import FleetTargetStatus
    from ..api.fleet_checks import FleetServerTest
    from ..api.fleet_checks import FleetTargetPlan
    from ..api.fleet_checks import FleetTargetValidation
    from ..fleet import FleetReport


def _json(data: dict[str, Any]) -> None:
    click.echo(json.dumps(data, default=str, sort_keys=True))


def fleet_progress(output_format: str) -> Callable[[FleetReport], None] | None:
    """A live ``done / running / failed`` line on a terminal's stderr; nothing otherwise."""
    if output_format != "text" or not sys.stderr.isatty():
        return None
    last = [""]

    def show(report: FleetReport) -> None:
        counts = report.counts()
        finished = counts["done"] + counts["skipped"] + counts["failed"]
        line = (
            f"fleet: {finished}/{len(report.targets)} finished, {counts['done']} done, "
            f"{counts['running']} running, {counts['failed']} failed"
        )
        if line != last[0]:
            click.echo(f"\r{line}\x1b[K", nl=False, err=True)
            last[0] = line

    return show


def _table(header: Sequence[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(row[i])) for row in [list(header), *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    click.echo(line(header))
    for row in rows:
        click.echo(line(row))


def _revisions(found: Sequence[str]) -> str:
    return ",".join(found) or "base"


def print_fleet_report(report: FleetReport, output_format: str, live: bool) -> None:
    if live:
        click.echo("", err=True)  # end the live line
    if output_format == "json":
        _json(report.as_dict())
        return
    rows = []
    for t in report.targets:
        moved = (
            f"{_revisions(t.from_revisions)} -> {_revisions(t.to_revisions)}"
            if t.state in ("done", "failed", "skipped") else ""
        )
        seconds = f"{t.seconds:.1f}" if t.seconds is not None else ""
        rows.append([t.name, t.state, moved, seconds, t.error or ""])
    _table(["target", "outcome", "revisions", "seconds", "error"], rows)
    counts = report.counts()
    summary = ", ".join(f"{n} {state}" for state, n in counts.items() if n)
    stopped = f" (stopped: {report.stopped})" if report.stopped else ""
    click.echo(
        f"Fleet upgrade to {report.revision}: {summary} in {report.seconds:.1f} s, "
        f"{report.parallel} at a time{stopped}."
    )


def print_fleet_status(rows: list[FleetTargetStatus], output_format: str) -> None:
    if output_format == "json":
        _json({"targets": [row.as_dict() for row in rows]})
        return
    _table(
        ["target", "revision", "state", "pending", "problem"],
        [[r.name, _revisions(r.heads), r.state, str(r.pending), r.problem or ""] for r in rows],
    )


def print_fleet_current(rows: list[FleetTargetStatus], output_format: str) -> None:
    if output_format == "json":
        _json({"targets": [
            {"name": r.name, "where": r.where, "heads": list(r.heads), "problem": r.problem}
            for r in rows
        ]})
        return
    for r in rows:
        shown = f"error: {r.problem}" if r.state == "error" else _revisions(r.heads)
        click.echo(f"{r.name}  {shown}")


def print_fleet_validation(rows: list[FleetTargetValidation], output_format: str) -> None:
    if output_format == "json":
        _json({"ok": all(r.ok for r in rows), "targets": [r.as_dict() for r in rows]})
        return
    lines = []
    for r in rows:
        if r.error is not None:
            lines.append([r.name, "error", r.error])
        elif not r.problems:
            lines.append([r.name, "ok", ""])
        for problem in r.problems:  # one line each: a target may have several
            lines.append([r.name, "edited", problem])
    _table(["target", "result", "problem"], lines)
    edited = sum(1 for r in rows if r.problems)
    unreadable = sum(1 for r in rows if r.error is not None)
    click.echo(
        f"Fleet validate: {len(rows) - edited - unreadable} ok, {edited} with edited or "
        f"missing files, {unreadable} unreadable."
    )


def print_fleet_plan(rows: list[FleetTargetPlan], revision: str, output_format: str) -> None:
    if output_format == "json":
        _json({"revision": revision, "targets": [r.as_dict() for r in rows]})
        return
    _table(
        ["target", "revision", "to run", "revisions", "error"],
        [[r.name, _revisions(r.heads), "" if r.error else str(len(r.revisions)),
          " ".join(p.revision for p in r.revisions), r.error or ""] for r in rows],
    )
    waiting = [r for r in rows if r.revisions]
    total = sum(len(r.revisions) for r in rows)
    errors = sum(1 for r in rows if r.error is not None)
    at_revision = len(rows) - len(waiting) - errors
    tail = f", {errors} unreadable" if errors else ""
    click.echo(
        f"Fleet plan to {revision}: {total} revision(s) to run on {len(waiting)} target(s), "
        f"{at_revision} at {revision} already{tail}. Nothing was changed."
    )


def print_fleet_test(runs: list[FleetServerTest], output_format: str) -> None:
    if output_format == "json":
        _json({
            "ok": all(run.ok for run in runs),
            "servers": [run.as_dict() for run in runs],
            "targets": [
                {"name": name, "tested_on": run.where, "ok": run.ok}
                for run in runs for name in run.targets
            ],
        })
        return
    _table(
        ["server", "targets", "passed", "failed", "irreversible", "skipped", "result"],
        [[run.where, ",".join(run.targets), str(run.passed), str(run.failed),
          str(run.irreversible), str(run.skipped),
          "ok" if run.ok else ("error" if run.error else "failed")] for run in runs],
    )
    for run in runs:
        if run.error is not None:
            click.echo(f"{run.where}: could not run: {run.error}")
        for failure in run.failures:
            click.echo(f"{run.where}: {failure}")
        if run.not_reached:
            click.echo(f"{run.where}: {run.not_reached} revision(s) not reached")
    targets = sum(len(run.targets) for run in runs)
    failed = sum(1 for run in runs if not run.ok)
    click.echo(
        f"Fleet test: {len(runs)} server(s) for {targets} target(s), {failed} failed. "
        "Each ran on a scratch database; no target was touched."
    )
