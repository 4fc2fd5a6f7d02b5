"""The fleet commands: ``upgrade``, ``status`` and ``current`` across ``REMODEL_FLEET``.

Each target is one database (or PostgreSQL schema) with the app's one
history. The upgrade of each is the single-database :func:`~.upgrading.upgrade`,
retargeted (:mod:`flask_remodel.fleet.one`); this module chooses the targets,
resolves the revision once, and hands them to the scheduler
(:mod:`flask_remodel.fleet.schedule`) and its workers
(:mod:`flask_remodel.fleet.workers`). See docs/many-databases.md.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy.engine import URL

from ..errors import RemodelError
from ..fleet.errors import FleetUsageError
from ..fleet.one import FleetJob
from ..fleet.one import first_line
from ..fleet.one import on_target
from ..fleet.one import upgrade_target
from ..fleet.report import FleetReport
from ..fleet.report import TargetOutcome
from ..fleet.schedule import run_schedule
from ..fleet.targets import FleetTarget
from ..fleet.targets import pick
from ..fleet.targets import read_targets
from ..fleet.workers import ForkedPool
from ..fleet.workers import InProcess
from ..fleet.workers import can_fork
from ..fleet.workers import default_parallel
from ..state import current_state
from ._runner import runs_remodel_environment
from ._session import PathArg
from ._session import XArg
from ._session import guarded
from ._session import open_session


def fleet_targets(names: Iterable[str] | None = None) -> list[FleetTarget]:
    """The app's ``REMODEL_FLEET`` targets, checked (those in *names*, if given)."""
    return pick(read_targets(current_state().settings.fleet, _default_url()), names)


def _default_url() -> URL:
    return current_state().model_source().engine(None).url


def _check_app(directory: PathArg) -> None:
    """Refuses apps and folders a fleet cannot retarget."""
    state = current_state()
    if len(state.model_source().bind_keys()) > 1:
        raise FleetUsageError(
            "--fleet runs one history on many databases; this app has several binds "
            "(SQLALCHEMY_BINDS), whose revisions name each bind. Run it per database instead."
        )
    folder = str(open_session(directory).folder)
    if not runs_remodel_environment(folder):
        raise FleetUsageError(
            f"{folder}/env.py does not call flask_remodel.environment.run_migrations(), so "
            "it may connect to the app's database whatever the fleet asks: let it delegate "
            "(as 'flask db init' writes it) to use --fleet."
        )


def _wanted(directory: PathArg, revision: str) -> frozenset[str]:
    """The revisions a target ends at after ``upgrade revision``."""
    if any(sign in revision for sign in "+-:@") and revision not in ("head", "heads"):
        raise FleetUsageError(
            f"--fleet needs a revision every target ends at, not {revision!r}: give a "
            "revision id or head."
        )
    session = open_session(directory)
    script = session.script_directory()
    with guarded(session, script, [revision]):
        if revision in ("head", "heads"):
            return frozenset(script.get_heads())
        found = script.get_revisions(revision)
        return frozenset(each.revision for each in found if each is not None)


def fleet_upgrade(
    directory: PathArg = None,
    revision: str = "head",
    *,
    targets: Iterable[str] | None = None,
    parallel: int | None = None,
    canary: int = 1,
    keep_going: bool = False,
    resume: bool = False,
    x_arg: XArg = None,
    lock_wait: float | None = None,
    progress: Callable[[FleetReport], None] | None = None,
) -> FleetReport:
    """Upgrade every target of ``REMODEL_FLEET`` (or those named in *targets*) to *revision*.

    Never raises for a target's failure: the report says which failed, with
    the error's first line. Raises :class:`~flask_remodel.fleet.FleetDeclarationError`
    for a bad ``REMODEL_FLEET`` and :class:`~flask_remodel.fleet.FleetUsageError`
    for a request no target could be run with.

    :param parallel: at most this many targets at once, each in a worker
        process (default: min(4, 2 × CPUs)); 1 runs them one after another
        in this process.
    :param canary: this many targets with work run first, alone; if one
        fails, nothing else starts.
    :param keep_going: after a failure, start the remaining targets anyway.
    :param resume: report targets already at *revision* as skipped, without
        taking their lock; the rest run (a stopped or killed run picked up).
    :param progress: called with the report each time a target starts or ends.
    """
    if parallel is not None and parallel < 1:
        raise FleetUsageError("--parallel must be 1 or more.")
    if canary < 0:
        raise FleetUsageError("--canary must be 0 or more.")
    chosen = fleet_targets(targets)
    _check_app(directory)
    default_url = _default_url()
    x_args = (x_arg,) if isinstance(x_arg, str) else tuple(x_arg or ())
    job = FleetJob(
        default_url, str(directory) if directory is not None else None, revision,
        _wanted(directory, revision), x_args, lock_wait, resume,
    )
    width = min(parallel or default_parallel(), len(chosen))
    report = FleetReport(
        revision,
        [TargetOutcome(t.name, t.where(default_url)) for t in chosen],
        parallel=width if can_fork() else 1,
    )

    def run_one(target: FleetTarget) -> TargetOutcome:
        return upgrade_target(target, job)

    if width > 1 and can_fork():
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        pool: ForkedPool | InProcess = ForkedPool(run_one, app, width)
    else:
        pool = InProcess(run_one)
    return run_schedule(
        chosen, report, pool, canary=canary, keep_going=keep_going, progress=progress
    )


@dataclass
class FleetTargetStatus:
    """One row of ``status --fleet`` / ``current --fleet``."""

    name: str
    where: str
    state: str
    """``up to date``, ``pending``, ``failed``/``partial``/``interrupted``/``running``
    (a revision's ledger state), ``empty`` (no version table yet) or ``error``."""
    heads: tuple[str, ...] = ()
    pending: int = 0
    problem: str | None = None
    """The failed revision and why, or the error that kept the target from being read."""
    lock_holder: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "where": self.where, "state": self.state,
            "heads": list(self.heads), "pending": self.pending, "problem": self.problem,
            "lock_holder": self.lock_holder,
        }


def fleet_status(
    directory: PathArg = None, targets: Iterable[str] | None = None
) -> list[FleetTargetStatus]:
    """Each target's revision and state, from its version table and ledger; changes nothing."""
    from .deploying import status

    chosen = fleet_targets(targets)
    _check_app(directory)
    default_url = _default_url()
    rows = []
    for target in chosen:
        row = FleetTargetStatus(target.name, target.where(default_url), "error")
        try:
            with on_target(target, default_url):
                found = status(directory)
        except RemodelError as exc:
            row.problem = first_line(exc)
        except Exception as exc:  # unreachable server, missing driver ...: that target's row
            row.problem = first_line(exc)
        else:
            row.heads, row.pending = found.heads, len(found.pending)
            row.lock_holder = found.lock_holder
            if found.problems:
                first = found.problems[0]
                row.state = first.state
                reason = f": {first.reason}" if first.reason else ""
                row.problem = f"{first.revision}{reason}"
            elif found.pending:
                row.state = "pending"
            elif not found.heads and not found.applied:
                row.state = "empty"
            else:
                row.state = "up to date"
        rows.append(row)
    return rows


def fleet_ok(rows: list[FleetTargetStatus]) -> bool:
    """Whether every target is up to date."""
    return all(row.state == "up to date" for row in rows)

