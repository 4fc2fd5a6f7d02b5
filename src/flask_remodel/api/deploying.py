"""The app's side of safe deploys: builds the runner's :class:`Target` from a session.

Everything about locks, the ledger and the order of steps lives in the
Flask-free :mod:`flask_remodel.deploy`; here are only the app's settings and
the Alembic command each step runs.
"""

from __future__ import annotations

import io
from dataclasses import replace

from alembic import command
from alembic.script import Script

from ..async_bridge import for_async_db
from ..deploy import ledger as outcomes
from ..deploy import runner
from ..deploy.errors import NothingToResolveError
from ..deploy.locks import Holder
from ..deploy.plan import PlannedRevision
from ..deploy.plan import plan as make_plan
from ..deploy.report import DeployReport
from ..deploy.retiring import retire as retire_revision
from ..deploy.runner import DeployOptions
from ..deploy.runner import StepHooks
from ..deploy.runner import Target
from ..deploy.scripts import checksum
from ..deploy.status import DeployStatus
from ..deploy.status import status as read_status
from ..deploy.status import validate as read_validate
from ..environment import revisions_alone_in_script
from ..lint.reporters import headline
from ..steps import AppliedStep
from ..steps import recording
from ._moving import move
from ._moving import move_each
from ._session import PathArg
from ._session import Session
from ._session import XArg
from ._session import guarded
from ._session import open_session
from .deploy_settings import BadOptionError as BadOptionError
from .deploy_settings import DeploySettings as DeploySettings
from .deploy_settings import lock_wait_setting
from .linting import findings_by_revision


def deploy_target(session: Session, tag: str | None = None) -> Target:
    """The deploy runner's view of the app's default database and migrations folder."""
    args = session.state.user_configure_args
    engine = session.state.model_source().engine(None)

    script = session.script_directory()

    def apply(name: str, revision: str) -> None:
        if name == "stamp":
            command.stamp(session.config, revision, tag=tag)
        else:
            # One revision at a time: on the indexed folder, not reloaded per step.
            move(session, script, name, revision, tag=tag)

    def apply_steps(name: str, scripts: list[Script], hooks: StepHooks) -> bool:
        return move_each(session, script, name, scripts, hooks, tag=tag)

    return Target(
        engine, script, apply,
        args.get("version_table") or "alembic_version", args.get("version_table_schema"),
        apply_steps,
    )


def several_binds(session: Session) -> bool:
    """Whether the app migrates several databases (binds), each with its version table."""
    return len(session.state.model_source().bind_keys()) > 1


def run_locked(
    session: Session, name: str, revision: str, tag: str | None, settings: DeploySettings,
) -> tuple[list[AppliedStep], DeployReport]:
    """``upgrade`` or ``downgrade`` through the deploy runner."""
    options = settings.options()
    target = deploy_target(session, tag)
    with recording() as steps, guarded(session, target.script, [revision]):
        if several_binds(session):
            # Each bind has its own version table: the lock covers the run,
            # Alembic's own single run does the rest.
            with runner.locked(target, Holder(name, revision), options):
                target.apply(name, revision)
            return steps, DeployReport(locked=True)
        report = getattr(runner, name)(target, revision, options)
    return steps, report


def stamp_locked(
    session: Session, revisions: list[str], tag: str | None, purge: bool, lock_wait: float | None
) -> list[AppliedStep]:
    options = DeployOptions(lock_wait_setting(lock_wait))
    target = deploy_target(session, tag)
    with recording() as steps, guarded(session, target.script, revisions):
        with runner.locked(target, Holder("stamp", " ".join(revisions)), options) as (
            ledger, _, _held
        ):
            command.stamp(session.config, revisions, tag=tag, purge=purge)
            for step in steps:
                for revision in step.from_revisions if not step.is_upgrade else ():
                    ledger.record(revision, "stamp", outcomes.ROLLED_BACK, None)
                if step.is_upgrade and step.revision:
                    stamped = _file_sum(target, step.revision)
                    ledger.record(step.revision, "stamp", outcomes.STAMPED, stamped)
    return steps


def _file_sum(target: Target, revision: str) -> str | None:
    try:
        script = target.script.get_revision(revision)
        return checksum(script.path) if isinstance(script, Script) else None
    except Exception:
        return None


@for_async_db
def plan(
    directory: PathArg = None, revision: str = "head", downgrade: bool = False,
    x_arg: XArg = None, phase: str | None = None,
) -> list[PlannedRevision]:
    """The revisions ``upgrade`` (or ``downgrade``) *revision* would run; changes nothing."""
    session = open_session(directory, x_arg)
    target = deploy_target(session)
    with guarded(session, target.script, [revision]):
        heads = target.heads()
        if downgrade:
            steps = runner.pending_downgrades(target.script, heads, revision)
        else:
            steps, _ = runner.split_by_phase(
                runner.pending_upgrades(target.script, heads, revision), phase
            )

        def offline_sql(step: Script) -> str:
            buffer = io.StringIO()
            session.config.output_buffer = buffer
            down = step.down_revision
            if isinstance(down, (tuple, list)):
                raise ValueError("a merge revision changes only the version table")
            # On the session's indexed folder: Alembic's command functions would
            # load (import) every revision file again for each planned revision.
            with revisions_alone_in_script():
                if downgrade:
                    move(session, target.script, "downgrade", down or "base", sql=True,
                         starting_rev=step.revision)
                else:
                    move(session, target.script, "upgrade", step.revision, sql=True,
                         starting_rev=down)
            return buffer.getvalue()

        planned = make_plan(steps, "downgrade" if downgrade else "upgrade", offline_sql)
        if downgrade:
            return planned
        found = findings_by_revision(session, target.script, [p.revision for p in planned])
        lines = {
            revision: tuple(headline(f, "plan") for f in findings)
            for revision, findings in found.items()
        }
        return [replace(entry, findings=lines.get(entry.revision, ())) for entry in planned]


@for_async_db
def status(directory: PathArg = None) -> DeployStatus:
    """Applied, pending and failed revisions, from the version table and the ledger."""
    session = open_session(directory)
    target = deploy_target(session)
    with guarded(session, target.script):
        return read_status(target)


@for_async_db
def validate(directory: PathArg = None) -> list[str]:
    """Problems with applied revisions' files (edited or missing); empty when none."""
    session = open_session(directory)
    target = deploy_target(session)
    with guarded(session, target.script):
        return read_validate(target)


@for_async_db
def resolve(
    revision: str, applied: bool, directory: PathArg = None, lock_wait: float | None = None
) -> str:
    """Record a manual recovery of *revision*; returns the outcome written."""
    session = open_session(directory)
    target = deploy_target(session)
    options = DeployOptions(lock_wait_setting(lock_wait))
    with guarded(session, target.script, [revision]):
        script = target.script.get_revision(revision)
        assert isinstance(script, Script)
        revision = script.revision
        with runner.locked(target, Holder("resolve", revision), options) as (ledger, _, _held):
            entry = ledger.latest().get(revision)
            state = entry.outcome if entry else "never run"
            failed = {outcomes.FAILED, outcomes.PARTIAL, outcomes.INTERRUPTED}
            current_sum = checksum(script.path)
            accepts_edit = (
                applied and entry is not None and entry.checksum not in (None, current_sum)
                and entry.outcome in (outcomes.APPLIED, outcomes.ADOPTED, outcomes.STAMPED)
            )
            if entry is None or (entry.outcome not in failed and not accepts_edit):
                raise NothingToResolveError(revision, state)
            if applied and not accepts_edit:
                target.apply("stamp", revision)
            outcome = outcomes.APPLIED if applied else outcomes.ROLLED_BACK
            ledger.record(revision, "resolve", outcome, current_sum)
    return outcome


@for_async_db
def retire(revision: str, directory: PathArg = None, lock_wait: float | None = None) -> str:
    """Record that *revision*'s file was removed on purpose; returns its full id.

    For a ledger row that ``validate`` reports as applied with its file
    missing. Nothing is run and the version table is not touched.

    :raises NotInLedgerError: neither the ledger nor the folder knows *revision*.
    :raises CannotRetireError: its file is still there, or the database is at it.
    """
    session = open_session(directory)
    target = deploy_target(session)
    options = DeployOptions(lock_wait_setting(lock_wait))
    # No names for guarded(): the revision is expected to be missing from the folder.
    with guarded(session, target.script):
        return retire_revision(target, revision, options)
