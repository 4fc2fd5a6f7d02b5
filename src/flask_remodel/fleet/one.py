"""One target of a fleet run: the single-database ``upgrade``, retargeted.

Nothing here reimplements the upgrade: :func:`flask_remodel.api.upgrade` runs
with the target's engine as the default bind (:mod:`flask_remodel.retarget`),
so the target gets its own deploy lock, ledger and version table, exactly as a
``flask db upgrade`` pointed at it would.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import URL
from sqlalchemy.engine import Engine

from ..errors import RemodelError
from ..retarget import retargeted
from ..state import current_state
from ..urls import mask_passwords
from . import report as states
from .report import TargetOutcome
from .targets import FleetTarget
from .targets import create_schema
from .targets import target_engine


@dataclass(frozen=True)
class FleetJob:
    """What every target of one run gets: the same folder, revision and options."""

    default_url: URL
    directory: str | None
    revision: str
    wanted: frozenset[str]
    """The revisions the target ends at (the requested revision, resolved)."""
    x_arg: tuple[str, ...] = ()
    lock_wait: float | None = None
    resume: bool = False


@contextmanager
def on_target(target: FleetTarget, default_url: URL) -> Iterator[Engine]:
    """Commands run in the block act on *target*; its engine is disposed of afterwards.

    The engine takes the app's ``SQLALCHEMY_ENGINE_OPTIONS`` that can apply to it.
    """
    from flask import current_app

    app_options = current_app.config.get("SQLALCHEMY_ENGINE_OPTIONS")
    engine = target_engine(target, default_url, app_options)
    try:
        with retargeted(engine, target.schema):
            yield engine
    finally:
        engine.dispose()


def version_rows(engine: Engine) -> tuple[str, ...]:
    """The revisions the target's version table holds (empty: none, or no table yet).

    Read inside :func:`on_target`, with Alembic's public API, from the table
    (and schema) a single upgrade would use.
    """
    from alembic.runtime.migration import MigrationContext

    from ..environment import connected  # a clear error for a server that cannot be reached

    args = current_state().user_configure_args
    opts = {
        "version_table": args.get("version_table") or "alembic_version",
        "version_table_schema": args.get("version_table_schema"),
    }
    with connected(engine) as connection:
        return tuple(MigrationContext.configure(connection, opts=opts).get_current_heads())


def first_line(exc: BaseException) -> str:
    """The line a report shows for *exc*, passwords masked."""
    text = str(exc).strip()
    line = text.splitlines()[0] if text else ""
    if not isinstance(exc, RemodelError):
        line = f"{type(exc).__name__}: {line}" if line else type(exc).__name__
    return mask_passwords(line)


def _applied_between(directory: str | None, before: tuple[str, ...], after: tuple[str, ...]) -> int:
    """How many revisions are below *after* and not below *before* (0 when unknown)."""
    if set(before) == set(after) or not after:
        return 0
    from ..api._session import open_session

    try:
        script = open_session(directory).script_directory()

        def below(heads: tuple[str, ...]) -> set[str]:
            if not heads:
                return set()
            return {s.revision for s in script.iterate_revisions(heads, "base") if s}

        return len(below(after) - below(before))
    except Exception:  # a folder that cannot be read now: the revisions still say where it is
        return 0


def upgrade_target(target: FleetTarget, job: FleetJob) -> TargetOutcome:
    """Upgrade *target* as ``flask db upgrade`` would; never raises an Exception.

    A KeyboardInterrupt (Ctrl-C) is reported as the target's failure, once the
    single upgrade has settled what the server did with the revision in flight.
    """
    from ..api.upgrading import upgrade

    outcome = TargetOutcome(target.name, target.where(job.default_url), states.RUNNING)
    started = time.monotonic()
    try:
        with on_target(target, job.default_url) as engine:
            try:
                if target.schema is not None:
                    create_schema(engine, target.schema)
                outcome.from_revisions = version_rows(engine)
                if job.resume and set(outcome.from_revisions) == job.wanted:
                    outcome.state = states.SKIPPED
                    outcome.to_revisions = outcome.from_revisions
                    return outcome
                run = upgrade(
                    job.directory, job.revision, x_arg=list(job.x_arg), lock_wait=job.lock_wait
                )
                outcome.applied = len([s for s in run.steps if s.is_upgrade])
                outcome.state = states.DONE
            except (Exception, KeyboardInterrupt) as exc:
                outcome.state = states.FAILED
                outcome.interrupted = isinstance(exc, KeyboardInterrupt)
                outcome.error = "interrupted (Ctrl-C)" if outcome.interrupted else first_line(exc)
            try:
                outcome.to_revisions = version_rows(engine)
            except (sa.exc.SQLAlchemyError, RemodelError):
                outcome.to_revisions = outcome.from_revisions
            if outcome.state == states.FAILED:
                # What ran before the failure stays applied: counted from the version table.
                outcome.applied = _applied_between(
                    job.directory, outcome.from_revisions, outcome.to_revisions
                )
    except Exception as exc:  # the engine could not even be made
        outcome.state, outcome.error = states.FAILED, first_line(exc)
    finally:
        outcome.seconds = time.monotonic() - started
    return outcome
