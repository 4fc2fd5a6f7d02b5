"""Upgrades and downgrades revision by revision, under the deploy lock, into the ledger.

The caller (the Flask-aware command layer) hands in a :class:`Target`: the
engine, the migrations folder and a function that runs *one* Alembic command
step. This module decides which steps to run, in which order, under which
lock, and writes down each one's start and end.

Each step is a separate transaction where the database can roll DDL back
(PostgreSQL, and SQLite inside Flask-Remodel's SQLite session): a failure
keeps the revisions before it and nothing of its own. On MySQL/MariaDB, where
every DDL statement commits, the statements of the running revision are
written to the ledger as they succeed, so a failure (or a killed process)
leaves a record of exactly what ran. The next ``upgrade`` runs that revision
again without sending what it committed (:mod:`.resume`) when the record is
whole and the file unchanged, and otherwise refuses to run it until
``resolve`` says what was done.

When the target offers it (``Target.apply_steps``), all steps run in one
Alembic run (one connection, one ``env.py`` run), still one transaction per
revision. Where DDL is transactional, the ledger row of a revision is then
closed, and the next revision's row opened, inside the revision's own
transaction: one commit per revision, as ``psql`` running the ``--sql``
script does, and the row still exists before its revision starts. Elsewhere
every ledger write keeps a connection of its own; once a revision has
committed, its row is closed and the next revision's opened in one short
transaction. When ``env.py`` would not commit each revision on its own,
each revision runs in an Alembic run of its own.
"""

from __future__ import annotations

import linecache
import logging
import re
import time
import traceback
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from typing import NoReturn

from alembic.runtime.migration import MigrationContext
from alembic.script import Script
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine

from ..dialects import dialect_for
from ..errors import MigrationFailedError
from ..failures import failed_at
from ..failures import failure_reason
from ..urls import mask_passwords
from . import ledger as outcomes
from . import resume
from .backup import take_backup
from .committed import PROGRESS_OPTION
from .committed import Committed
from .committed import in_flight
from .committed import is_in_flight
from .committed import recorded_head
from .copy_leftovers import remove_leftovers
from .copy_leftovers import table_of_entry
from .cut_off import LOST
from .cut_off import Watch
from .cut_off import settle
from .died import conclude
from .died import resumes
from .errors import BadPhaseError
from .errors import DeployLockLostError
from .errors import PartiallyAppliedError
from .external import recording
from .ledger import Ledger
from .locks import HeldLock
from .locks import Holder
from .locks import NoLongerNeeded
from .locks import OnWait
from .locks import deploy_lock
from .report import DeployReport
from .report import StepResult
from .scripts import checksum
from .scripts import revision_facts

_DATA_CHANGES = ("INSERT", "UPDATE", "DELETE")

log = logging.getLogger("flask_remodel.deploy")


def _autocommit(conn: Any) -> bool:
    """Whether *conn* commits each statement by itself (an ``autocommit_block``, a backfill)."""
    dbapi_connection = getattr(conn.connection, "dbapi_connection", None)
    get_autocommit = getattr(dbapi_connection, "get_autocommit", None)  # PyMySQL, mysqlclient
    if get_autocommit is not None:
        return bool(get_autocommit())
    return bool(getattr(dbapi_connection, "autocommit", False))


@dataclass(frozen=True)
class Event:
    """A progress event; ``kind`` is ``waiting``, ``backup``, ``resuming`` (a partial
    revision carried on), ``started``, ``applied``, ``rolled_back``, ``stopping``
    (Ctrl-C or a lost connection: waiting for the server to be done with the
    statement, see :mod:`.cut_off`), ``failed`` or ``held`` (revisions left for a
    later phase)."""

    kind: str
    revision: str | None = None
    message: str = ""
    index: int = 0
    total: int = 0
    seconds: float | None = None
    detail: str = ""


Progress = Callable[[Event], None]


@dataclass(frozen=True)
class StepHooks:
    """What ``Target.apply_steps`` calls around each revision it runs."""

    before: Callable[[Script], None]
    """Before the revision's transaction begins (none is open on the migration connection)."""
    inside: Callable[[Script, Connection], None]
    """In the revision's transaction, once its work is done, with the migration connection."""
    committed: Callable[[Script], None]
    """Once the revision's transaction has committed."""


@dataclass
class Target:
    """One database, seen by the runner."""

    engine: Engine
    script: ScriptDirectory
    apply: Callable[[str, str], None]
    """``apply(command, revision)`` runs one Alembic ``upgrade``/``downgrade``/``stamp``."""
    version_table: str = "alembic_version"
    schema: str | None = None
    apply_steps: Callable[[str, list[Script], StepHooks], bool] | None = None
    """``apply_steps(command, scripts, hooks)`` runs exactly *scripts* in one Alembic run,
    one transaction each; False (having run none) when env.py would not commit each
    on its own."""

    @property
    def transactional(self) -> bool:
        return dialect_for(self.engine).transactional_ddl

    def heads(self) -> tuple[str, ...]:
        """The revisions the version table holds now (read with Alembic's public API)."""
        with self.engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={"version_table": self.version_table, "version_table_schema": self.schema},
            )
            return tuple(context.get_current_heads())

    def applied(self, heads: tuple[str, ...]) -> list[Script]:
        """Every revision at or below *heads*, oldest first."""
        if not heads:
            return []
        found = self.script.iterate_revisions(heads, "base")
        return [s for s in reversed(list(found)) if isinstance(s, Script)]

    def ledger(self) -> Ledger:
        return Ledger(self.engine, self.schema)

    def script_of(self, revision: str) -> Script | None:
        """The revision's script, or None when the folder lacks it."""
        try:
            found = self.script.get_revision(revision)
        except Exception:  # unknown, or ambiguous: Alembic's errors have no common base
            return None
        return found if isinstance(found, Script) else None


@dataclass
class DeployOptions:
    lock_wait: float = 600.0
    phase: str | None = None
    backup_dir: Path | None = None
    progress: Progress | None = None

    def emit(self, event: Event) -> None:
        if self.progress is not None:
            self.progress(event)


def pending_upgrades(script: ScriptDirectory, heads: tuple[str, ...], target: str) -> list[Script]:
    """The revisions ``upgrade target`` runs from *heads*, in order."""
    found = script.iterate_revisions(target, heads, implicit_base=True)
    return [s for s in reversed(list(found)) if isinstance(s, Script)]


def pending_downgrades(
    script: ScriptDirectory, heads: tuple[str, ...], target: str
) -> list[Script]:
    """The revisions ``downgrade target`` undoes from *heads*, in order."""
    found = script.iterate_revisions(heads, target, select_for_downgrade=True)
    return [s for s in found if isinstance(s, Script)]


def phase_of(script: Script) -> str | None:
    try:
        return revision_facts(script.path).phase
    except ValueError as exc:
        raise BadPhaseError(script.path, str(exc)) from exc


def split_by_phase(steps: list[Script], phase: str | None) -> tuple[list[Script], list[Script]]:
    """``(run now, held back)``: ``--phase pre`` stops before the first post-deploy revision."""
    if phase != "pre":
        return steps, []
    for index, step in enumerate(steps):
        if phase_of(step) == "post":
            return steps[:index], steps[index:]
    return steps, []


@contextmanager
def locked(
    target: Target, holder: Holder, options: DeployOptions,
    done: Callable[[], bool] | None = None,
) -> Iterator[tuple[Ledger, float, HeldLock]]:
    """The deploy lock, then the ledger (created and adopted if new) and recovery done.

    Yields the ledger, the seconds waited and the held lock (to check before
    each revision). Raises :class:`NoLongerNeeded` if *done* returns True while waiting.
    """
    start = time.monotonic()

    def waiting(who: Holder | None, waited: float) -> None:
        detail = f"held by {who.describe()}" if who else "held by another instance"
        options.emit(Event("waiting", seconds=waited, detail=detail))

    on_wait: OnWait = waiting
    with deploy_lock(
        target.engine, holder, options.lock_wait, on_wait, target.schema, done
    ) as held:
        waited = time.monotonic() - start
        ledger = target.ledger()
        try:
            applied = target.applied(target.heads())
        except Exception:
            # The version table names a revision the folder lacks: the command
            # itself reports that (or, for stamp --purge, repairs it).
            applied = []
        if ledger.create():
            adopt(ledger, applied)
        recover(ledger, target, applied)
        yield ledger, waited, held


def adopt(ledger: Ledger, applied: list[Script]) -> None:
    """A database older than the ledger: record its applied revisions as they are now."""
    for script in applied:
        ledger.record(script.revision, "upgrade", outcomes.ADOPTED, _checksum(script))


def recover(ledger: Ledger, target: Target, scripts: list[Script]) -> None:
    """Close rows left ``running`` by a process that died (see :mod:`.died`).

    We hold the lock, and no former holder's session is still open (the lock
    waits for those, see :func:`flask_remodel.deploy.locks.deploy_lock`), so it did.
    """
    applied = {s.revision for s in scripts}
    for entry in ledger.latest({outcomes.RUNNING}).values():
        _remove_copy_leftovers(target, entry.executed)
        found = conclude(
            entry, applied, target.transactional, target.engine, target.script_of(entry.revision)
        )
        ledger.finish(
            entry.id, found.outcome, error=f"the process died; {found.reason}",
            executed=found.executed,
        )


def _remove_copy_leftovers(target: Target, executed: tuple[str, ...]) -> None:
    """Take away what a pt-online-schema-change run the dead process started left behind.

    Its triggers would go on copying every write of the table into a shadow
    table nobody reads, and block the next copy of that table. The program died
    with the process (see :mod:`flask_remodel.online.ptosc`); we hold the lock.
    """
    for entry in executed:
        where = table_of_entry(entry) if is_in_flight(entry) else None
        if where is not None:
            removed = remove_leftovers(target.engine, *where)
            if removed:
                log.warning(
                    "A table copy of the process that died was stopped half-way; removed its "
                    "%s (the table itself is untouched)", removed.describe(),
                )


def _checksum(script: Script) -> str | None:
    try:
        return checksum(script.path)
    except OSError:
        return None


def failing_operation(exc: BaseException, path: str) -> str | None:
    """``line N: <source>`` of the revision file's line that raised *exc*."""
    wanted = str(Path(path).resolve())
    found = None
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        if str(Path(frame.f_code.co_filename).resolve()) == wanted:
            found = f"line {lineno}: {linecache.getline(frame.f_code.co_filename, lineno).strip()}"
    return found


def _resumes(exc: BaseException, committed: Committed) -> bool:
    """Whether running the revision again simply carries on, so it is not held back.

    True when everything committed was the batches of a backfill that only
    updates the rows still to do (a backfill in a revision of its own, as
    recommended); anything else committed needs a person to look, and so does
    a record too long to list every statement.
    """
    table = exc.resumable_table if isinstance(exc, MigrationFailedError) else None
    if table is None or not committed.complete:
        return False
    update = re.compile(rf'UPDATE\s+["`]?{re.escape(table)}["`]?\s', re.I)
    return all(update.match(run.sql) for run in committed.runs())


def _reason(exc: BaseException) -> str:
    if isinstance(exc, MigrationFailedError):
        # Its own advice on what to do next would repeat (or contradict) ours.
        return mask_passwords(exc.reason.splitlines()[0] if exc.reason else type(exc).__name__)
    return failure_reason(exc)


def _rows_changed(cursor: Any) -> int | None:
    count = getattr(cursor, "rowcount", -1)
    return count if isinstance(count, int) and count >= 0 else None


def _progress(context: Any) -> str:
    options = getattr(context, "execution_options", None) or {}
    return str(options.get(PROGRESS_OPTION) or "")


class _Statements:
    """The changing statements the revision ran, from SQLAlchemy's cursor events.

    Kept as a :class:`~.committed.Committed` record: the batches of a backfill
    are one entry that counts them, so the ledger's copy stays the same size
    however many there are. Where DDL commits by itself, the record holds
    only what is committed: a data change in the revision's transaction
    joins it once a DDL statement (an implicit commit) follows, else it is
    rolled back with a failure or a killed process, and listing it would
    send the user to undo what is not there.

    One ledger commit per DDL statement there, not two (each costs a flush
    to disk, and a deploy runs hundreds): a DDL statement is written down as
    in flight before it is sent, but that it completed waits in memory for
    the next write, which says both at once: the next statement's in-flight
    mark, or the commit that closes the revision's row (:meth:`pending`). A
    process killed in between leaves the statement in flight, which
    :mod:`.died` looks up in the schema, as for one killed while the server
    ran it. A data change that commits by itself (a
    backfill's batch) is still written once it ran: its in-flight mark is
    written only for the first of a run of batches.
    """

    def __init__(self, target: Target, ledger: Ledger, entry_id: int) -> None:
        self.target = target
        self.ledger = ledger
        self.entry_id = entry_id
        self.record = Committed()
        self._uncommitted = Committed()  # bounded too: a revision may insert row by row
        self._writing = False
        self._sending_alone = False  # a statement that commits by itself is on its way
        self._unwritten = False  # the record says more than the ledger's copy (a DDL completed)

    def start(self, entry_id: int) -> None:
        """Record the next revision (row *entry_id*) from nothing: the last one committed."""
        self.entry_id, self.record, self._uncommitted = entry_id, Committed(), Committed()
        self._sending_alone = self._unwritten = False

    def pending(self) -> list[str] | None:
        """The record, if the ledger's copy lags behind it, handed to the write that closes
        the row (which then carries it); None when the copy is up to date."""
        if not self._unwritten:
            return None
        self._unwritten = False
        return self.record.entries()

    def flush(self, riding: Any = None) -> None:
        """Write the record now if the ledger's copy lags behind it (*riding*: as for
        :meth:`_write`)."""
        entries = self.pending()
        if entries is not None:
            self._write(entries, riding)

    def carry(self, resumed: resume.Resumption | None) -> None:
        """A resumed revision's record starts with what its earlier run committed,
        written at once: a process killed now leaves them listed, not lost."""
        if resumed is not None:
            self.record = resumed.carried()
            self._write(self.record.entries())

    def _changing(self, statement: str) -> str | None:
        """The first word of *statement* if it changes the revision's schema or rows."""
        return recorded_head(statement, self.target.version_table)

    def _commits_alone(self, conn: Any, head: str) -> bool:
        """Whether the statement commits by itself (and whatever ran before it)."""
        return not self.target.transactional and (head not in _DATA_CHANGES or _autocommit(conn))

    def sending(
        self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
        executemany: bool,
    ) -> None:
        """Before a statement that commits by itself: write it down as in flight.

        A process killed while the server runs it, or before :meth:`__call__`
        records it, leaves the mark, and :mod:`.died` checks the schema. A
        statement that repeats the last one listed (a backfill's next batch)
        is listed already: one write per batch is enough. Either write also
        carries a DDL statement's completion, left to it by :meth:`__call__`.
        """
        if self._writing:
            return
        head = self._changing(statement)
        if head is None or not self._commits_alone(conn, head):
            return
        self._sending_alone = True
        sql = statement.strip()
        latest = self.record.runs()[-1:]
        if not self._uncommitted and latest and latest[0].sql == sql:
            self.flush(conn)  # the same DDL statement twice: the first one's end, as before
            return
        flying = Committed()
        flying.extend(self._uncommitted)  # its implicit commit commits them too
        flying.add(sql)
        self._write([*self.record.entries(), *(in_flight(e) for e in flying.entries())], conn)

    def __call__(
        self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
        executemany: bool,
    ) -> None:
        if self._writing:
            return
        head = self._changing(statement)
        if head is None:
            return
        ran = (statement.strip(), _rows_changed(cursor), _progress(context))
        if self.target.transactional:
            self.record.add(*ran)
            return
        if not self._commits_alone(conn, head):
            # In the revision's transaction: committed only by the next DDL
            # statement (an implicit commit) or with the revision, else rolled back.
            self._uncommitted.add(*ran)
            return
        self._sending_alone = False
        self.record.extend(self._uncommitted)
        self._uncommitted = Committed()
        self.record.add(*ran)
        if head not in _DATA_CHANGES:
            # Its in-flight mark is written: the next write says it completed.
            self._unwritten = True
            return
        # A batch of a backfill: its in-flight mark was written for the first one only.
        # In autocommit (see _commits_alone): the write commits by itself.
        self._write(self.record.entries(), conn)

    def unsettled(self) -> list[str]:
        """The data changes a failed statement's implicit commit may have committed, as
        in flight. MariaDB commits them before it runs a DDL statement, even one that
        then fails (not one it cannot parse): whether they stayed is not known, and a
        resumed run must not send them again blindly (:mod:`.resume` refuses)."""
        if not self._sending_alone:
            return []
        return [in_flight(entry) for entry in self._uncommitted.entries()]

    def _write(self, entries: list[str], riding: Any = None) -> None:
        """Write the record; *riding*: on that (migration) connection, where the statement
        about to run, or autocommit, commits it (:meth:`Ledger.record_executed_on`)."""
        self._writing = True  # the ledger's own statements are not the revision's
        try:
            if riding is not None:
                self.ledger.record_executed_on(riding, self.entry_id, entries)
            else:
                self.ledger.record_executed(self.entry_id, entries)
        finally:
            self._writing = False
        self._unwritten = False

    def external_starting(self, statement: str) -> None:
        """Work done by another program (a pt-osc table copy) is about to start: written
        down as in flight, as a DDL statement is before it is sent (see
        :mod:`.external`). It runs on connections of its own, so it commits nothing of
        the revision's transaction."""
        self._write([*self.record.entries(), in_flight(statement)])

    def external_done(self, statement: str) -> None:
        """That work completed: listed as committed, written at once (it took long)."""
        self.record.add(statement)
        self._write(self.record.entries())

    @contextmanager
    def listening(self) -> Iterator[None]:
        engine = self.target.engine
        event.listen(engine, "before_cursor_execute", self.sending)
        event.listen(engine, "after_cursor_execute", self)
        try:
            with recording(self):
                yield
        finally:
            event.remove(engine, "after_cursor_execute", self)
            event.remove(engine, "before_cursor_execute", self.sending)


def _run_step(
    target: Target, ledger: Ledger, held: HeldLock, step: Script, command: str,
    revision_arg: str, index: int, total: int, options: DeployOptions,
    entry_id: int | None = None, skipper: resume.Skipper | None = None,
) -> StepResult:
    """One revision in an Alembic run of its own (*entry_id*: its ledger row, if started)."""
    direction = "upgrade" if command == "upgrade" else "downgrade"
    message = step.doc or ""
    if entry_id is None:
        entry_id = ledger.start(step.revision, direction, _checksum(step))
        options.emit(Event("started", step.revision, message, index, total))
    statements = _Statements(target, ledger, entry_id)
    if skipper is not None:
        statements.carry(skipper.enter(step.revision))
    watch = Watch(target.engine)
    began = time.monotonic()
    try:
        held.check()
        with statements.listening(), watch.listening():
            target.apply(command, revision_arg)
        held.check()  # before the row says it is done: it may have run without the lock
    except BaseException as exc:
        _if_cut_off(target, ledger, held, watch, statements, step, entry_id, exc, began, index,
                    total, options)
        if not isinstance(exc, Exception):
            raise
        _failed(
            target, ledger, step, entry_id, statements.record, exc, began, index, total, options,
            statements.unsettled(),
        )
    seconds = time.monotonic() - began
    outcome = outcomes.APPLIED if direction == "upgrade" else outcomes.ROLLED_BACK
    ledger.finish(entry_id, outcome, seconds=seconds, executed=statements.pending())
    options.emit(Event(outcome, step.revision, message, index, total, seconds))
    return StepResult(step.revision, direction, seconds, message)


def _failed(
    target: Target, ledger: Ledger, step: Script, entry_id: int, committed: Committed,
    exc: Exception, began: float, index: int, total: int, options: DeployOptions,
    unsettled: Sequence[str] = (),
) -> NoReturn:
    """Close the failed revision's row (on a connection of its own) and raise.

    *unsettled*: statements that may or may not have been committed (in flight).
    """
    seconds = time.monotonic() - began
    refused = resume.diverged(exc)
    if refused is not None:  # nothing was sent: the row says what it said before
        options.emit(Event("failed", step.revision, step.doc or "", index, total, seconds))
        resume.refuse(ledger, entry_id, refused, seconds)
    if isinstance(exc, DeployLockLostError):
        _stopped(target, ledger, step, entry_id, committed, exc, seconds, index, total, options)
    kept = bool(committed) and not target.transactional and not _resumes(exc, committed)
    seen = [*committed.entries(), *unsettled]
    ledger.finish(
        entry_id, outcomes.PARTIAL if kept else outcomes.FAILED, seconds=seconds,
        error=_reason(exc), failed_operation=failing_operation(exc, step.path),
        executed=seen if kept else None,  # else rolled back with it
    )
    options.emit(
        Event("failed", step.revision, step.doc or "", index, total, seconds, _reason(exc))
    )
    if kept:
        site = failed_at(exc, {step.path: step.revision})
        raise PartiallyAppliedError(
            step.revision, _reason(exc), seen,
            operation=site.operation if site else None, hint=site.hint if site else "",
            resumes=resume.resumable(seen),
        ) from exc
    raise exc  # the caller's guard makes it the command's error, as for any other run


def _if_cut_off(
    target: Target, ledger: Ledger, held: HeldLock, watch: Watch, statements: _Statements,
    step: Script, entry_id: int, exc: BaseException, began: float, index: int, total: int,
    options: DeployOptions,
) -> None:
    """Return unless *exc* (Ctrl-C, a dropped connection) cut off a statement in the server.

    Else, still under the deploy lock, wait until the statement is over on
    the server and record what it left, then raise (see :mod:`.cut_off`).
    """
    cut = watch.found(exc)
    if cut is None:
        return
    # Until the row says what happened, the next deployer waits for our sessions.
    held.keep_record()
    options.emit(Event("stopping", step.revision, step.doc or "", index, total,
                       detail=cut.describe()))
    try:
        # The row is read back to conclude: it must say that the last DDL statement
        # completed, if only the runner's memory does (the statement cut off is not one).
        statements.flush()
        found = settle(
            cut, ledger, entry_id, engine=target.engine, transactional=target.transactional,
            applied=lambda: {s.revision for s in target.applied(target.heads())},
            script=step, seconds=time.monotonic() - began,
        )
    except Exception:  # the database is out of reach too: the next run settles the row
        found = None
    if found is None:
        raise exc  # the row stays 'running', its statement in flight
    held.keep_record(False)
    seconds = time.monotonic() - began
    options.emit(
        Event("failed", step.revision, step.doc or "", index, total, seconds, cut.describe())
    )
    if cut.cause != LOST:
        raise exc  # Ctrl-C stays Ctrl-C
    if found.outcome == outcomes.PARTIAL:
        raise PartiallyAppliedError(
            step.revision, cut.describe(), found.executed,
            resumes=resume.resumable(found.executed),
        ) from exc
    raise MigrationFailedError(
        step.revision, f"{cut.describe()}; {found.reason}", kept=False,
        commits_midway=bool(found.executed),
    ) from exc


LOCK_LOST = "stopped: the deploy lock's database session was ended"


def _stopped(
    target: Target, ledger: Ledger, step: Script, entry_id: int, committed: Committed,
    exc: DeployLockLostError, seconds: float, index: int, total: int, options: DeployOptions,
) -> NoReturn:
    """The lock was lost in *step*: its row says what stayed, and the error tells what to do.

    The statement that found the loss was not sent, and where DDL is
    transactional the revision's transaction was rolled back with the
    error: nothing of it stayed. Elsewhere what ran before is committed.
    """
    kept = committed.entries() if committed and not target.transactional else []
    # A backfill of its own that committed only batches carries on when run again.
    resumable = bool(kept) and resumes(step, tuple(kept)) and committed.complete
    ledger.finish(
        entry_id, outcomes.PARTIAL if kept and not resumable else outcomes.INTERRUPTED,
        seconds=seconds, error=LOCK_LOST, failed_operation=failing_operation(exc, step.path),
        executed=kept or None,
    )
    options.emit(Event("failed", step.revision, step.doc or "", index, total, seconds, LOCK_LOST))
    raise DeployLockLostError(step.revision, kept, resumes=resumable) from exc


class _OneRun:
    """Every step in one Alembic run (``Target.apply_steps``), with the ledger kept per step.

    The first step's row is written before the run opens its connection (on
    SQLite a second connection could not write while the run holds the
    database). Then, where DDL is transactional, each step's row is closed
    and the next step's opened inside the step's transaction; elsewhere each
    write has a connection of its own, between the steps' transactions (closing
    one step's row and opening the next one's together).
    """

    def __init__(
        self, target: Target, ledger: Ledger, held: HeldLock, steps: list[Script], command: str,
        options: DeployOptions, skipper: resume.Skipper | None = None,
    ) -> None:
        self.target, self.ledger, self.steps, self.options = target, ledger, steps, options
        self.skipper = skipper
        self.held = held
        self.command = command
        self.direction = "upgrade" if command == "upgrade" else "downgrade"
        self.outcome = outcomes.APPLIED if self.direction == "upgrade" else outcomes.ROLLED_BACK
        self.results: list[StepResult] = []
        self.index = 0  # of the step running now, from 1; 0 between steps
        self.entry_id: int | None = None
        self.next_entry: int | None = None  # the next step's row, written already
        self.closed = False  # the running step's row was closed in its transaction
        self.began = 0.0
        self.seconds = 0.0
        self.statements = _Statements(target, ledger, 0)
        self.watch = Watch(target.engine)

    def _start(self, step: Script, connection: Connection | None = None) -> int:
        return self.ledger.start(
            step.revision, self.direction, _checksum(step), connection=connection
        )

    def run(self) -> tuple[list[StepResult], int | None]:
        """The steps' results; or none and the first step's row when nothing ran."""
        assert self.target.apply_steps is not None
        first = self.steps[0]
        self.next_entry = self._start(first)
        self.options.emit(
            Event("started", first.revision, first.doc or "", 1, len(self.steps))
        )
        hooks = StepHooks(self.before, self.inside, self.committed)
        self.began = time.monotonic()
        try:
            with self.statements.listening(), self.watch.listening():
                ran = self.target.apply_steps(self.command, self.steps, hooks)
        except BaseException as exc:
            if self.index:  # in a step
                entry_id = self.entry_id
            elif self.next_entry is not None:  # before the next step began (or the first)
                entry_id = self.next_entry
            else:
                raise  # after the last step committed: nothing of a step to record
            position = self.index or len(self.results) + 1
            assert entry_id is not None
            step = self.steps[position - 1]
            _if_cut_off(
                self.target, self.ledger, self.held, self.watch, self.statements, step,
                entry_id, exc, self.began, position, len(self.steps), self.options,
            )
            if not isinstance(exc, Exception):
                raise
            _failed(
                self.target, self.ledger, self.steps[position - 1], entry_id,
                self.statements.record, exc, self.began, position, len(self.steps), self.options,
                self.statements.unsettled(),
            )
        if not ran:
            return [], self.next_entry
        return self.results, None

    def before(self, step: Script) -> None:
        # Raised here, the failure is that of the step's row written already. The
        # previous step checked just before its commit, milliseconds ago as a rule.
        self.held.check_if_stale()
        self.index = len(self.results) + 1
        assert self.steps[self.index - 1] is step, "steps run out of order"
        if self.next_entry is None:
            self.next_entry = self._start(step)
        if self.index > 1:
            self.options.emit(
                Event("started", step.revision, step.doc or "", self.index, len(self.steps))
            )
        self.entry_id, self.next_entry, self.closed = self.next_entry, None, False
        self.statements.start(self.entry_id)
        if self.skipper is not None:
            self.statements.carry(self.skipper.enter(step.revision))
        self.began = time.monotonic()

    def inside(self, step: Script, connection: Connection) -> None:
        # The last moment before the commit: a step that lost the lock is not marked done.
        # Asked only where the write can carry it: the guard may cost a hop to the bridge loop.
        guard = self.held.guard() if self._closes_inside(connection) else None
        if guard is None:
            self.held.check()
            if self.target.transactional:
                self._close_and_open(connection)
            return
        assert self.entry_id is not None
        self.seconds = time.monotonic() - self.began
        following = None
        if self.index < len(self.steps):
            upcoming = self.steps[self.index]
            following = (upcoming.revision, self.direction, _checksum(upcoming))
        held, self.next_entry = self.ledger.finish_while(
            guard, self.entry_id, self.outcome, self.seconds, connection, following,
            executed=None if self.target.transactional else self.statements.pending(),
        )
        self.held.answered(held)  # the lock's question rode the write
        self.closed = True

    def _closes_inside(self, connection: Connection) -> bool:
        """Whether the step's row is closed, and the next one opened, in the step's own
        transaction, guarded by the deploy lock (:meth:`HeldLock.guard`).

        Where DDL is transactional, the database must let one statement write
        twice (``writes_in_with``). Where DDL commits by itself (MariaDB/MySQL)
        the step's last transaction is the version table's write: the close
        commits with it, so the ledger and the version table cannot disagree
        about the step, and the commit that used to follow costs nothing
        more. Not in autocommit, where the close would be on disk before the
        version table moved.
        """
        if self.target.transactional:
            return dialect_for(connection).writes_in_with
        return not _autocommit(connection)

    def _close_and_open(self, connection: Connection) -> None:
        assert self.entry_id is not None
        self.seconds = time.monotonic() - self.began
        self.ledger.finish(
            self.entry_id, self.outcome, seconds=self.seconds, connection=connection
        )
        if self.index < len(self.steps):
            self.next_entry = self._start(self.steps[self.index], connection)
        self.closed = True

    def committed(self, step: Script) -> None:
        assert self.entry_id is not None
        if not self.closed:
            self.seconds = time.monotonic() - self.began
            if self.index < len(self.steps):  # one commit for this row and the next one's
                following = self.steps[self.index]
                self.next_entry = self.ledger.finish_and_start(
                    self.entry_id, self.outcome, self.seconds, following.revision,
                    self.direction, _checksum(following), executed=self.statements.pending(),
                )
            else:
                self.ledger.finish(
                    self.entry_id, self.outcome, seconds=self.seconds,
                    executed=self.statements.pending(),
                )
        message = step.doc or ""
        self.options.emit(
            Event(self.outcome, step.revision, message, self.index, len(self.steps), self.seconds)
        )
        self.results.append(StepResult(step.revision, self.direction, self.seconds, message))
        self.index = 0


def _run_steps(
    target: Target, ledger: Ledger, held: HeldLock, steps: list[Script], command: str,
    options: DeployOptions, skipper: resume.Skipper | None = None,
) -> list[StepResult]:
    """Run *steps* in order: in one Alembic run if the target can, else one run each."""
    first_entry = None
    if steps and target.apply_steps is not None:
        one_run = _OneRun(target, ledger, held, steps, command, options, skipper)
        results, first_entry = one_run.run()
        if first_entry is None:
            return results
    done = []
    for index, step in enumerate(steps, 1):
        if command == "upgrade":
            revision_arg = step.revision
        else:
            down = step.down_revision
            revision_arg = str(down) if down else "base"
        done.append(
            _run_step(target, ledger, held, step, command, revision_arg, index, len(steps),
                      options, first_entry if index == 1 else None, skipper)
        )
    return done


def upgrade(target: Target, revision: str, options: DeployOptions) -> DeployReport:
    """Upgrade to *revision* one revision at a time (see the module docstring)."""
    report = DeployReport()

    def todo() -> tuple[list[Script], list[Script]]:
        pending = pending_upgrades(target.script, target.heads(), revision)
        return split_by_phase(pending, options.phase)

    steps, held = todo()
    if steps:  # else already there: no lock, no wait (N instances start in parallel)
        report = _upgrade_under_lock(target, revision, options, todo)
    else:
        report.held_back = [s.revision for s in held]
    if report.held_back:
        options.emit(Event("held", detail=", ".join(report.held_back)))
    return report


def _upgrade_under_lock(
    target: Target, revision: str, options: DeployOptions,
    todo: Callable[[], tuple[list[Script], list[Script]]],
) -> DeployReport:
    report = DeployReport()
    try:
        with locked(target, Holder("upgrade", revision), options, lambda: not todo()[0]) as (
            ledger, waited, lock
        ):
            report.locked, report.waited = True, waited
            # Someone else may have done the work while we waited.
            steps, held = todo()
            report.held_back = [s.revision for s in held]
            _upgrade_locked(target, ledger, lock, steps, options, report)
    except NoLongerNeeded:
        report.held_back = [s.revision for s in todo()[1]]
    return report


def _upgrade_locked(
    target: Target, ledger: Ledger, held: HeldLock, steps: list[Script], options: DeployOptions,
    report: DeployReport,
) -> None:
    # A partial revision resumes, or is refused (exit 9) before anything runs.
    resumed = resume.resumptions(ledger, steps, target.transactional)
    if steps and options.backup_dir is not None:
        report.backup = take_backup(target.engine, options.backup_dir, steps[0].revision)
        options.emit(Event("backup", detail=report.backup.describe()))
    for plan in resumed.values():
        options.emit(Event("resuming", plan.revision, detail=plan.describe()))
    skipper = resume.Skipper(resumed, target.version_table)
    with skipper.listening(target.engine):
        report.steps.extend(_run_steps(target, ledger, held, steps, "upgrade", options, skipper))
    if steps:
        verify_applied(target, steps[-1])


def verify_applied(target: Target, last: Script) -> None:
    """Fail when the version table did not move: an env.py that swallowed an error
    or never committed reports success otherwise."""
    if last.revision not in {s.revision for s in target.applied(target.heads())}:
        raise MigrationFailedError(
            last.revision,
            "it ran, but the version table does not show it applied (does env.py catch "
            "errors or skip the commit?)",
            kept=True,
        )


def _linear(steps: list[Script], heads: tuple[str, ...]) -> bool:
    return len(heads) <= 1 and all(not isinstance(s.down_revision, (tuple, list)) for s in steps)


def downgrade(target: Target, revision: str, options: DeployOptions) -> DeployReport:
    """Downgrade to *revision*, one revision at a time where the history is linear."""
    report = DeployReport()
    if not pending_downgrades(target.script, target.heads(), revision):
        return report
    with locked(target, Holder("downgrade", revision), options) as (ledger, waited, held):
        report.locked, report.waited = True, waited
        heads = target.heads()
        steps = pending_downgrades(target.script, heads, revision)
        if not _linear(steps, heads):
            # Merge points have no single revision to step down to: one Alembic
            # run, recorded afterwards.
            began = time.monotonic()
            target.apply("downgrade", revision)
            for step in steps:
                ledger.record(step.revision, "downgrade", outcomes.ROLLED_BACK, _checksum(step))
            seconds = time.monotonic() - began
            report.steps = [StepResult(s.revision, "downgrade", seconds) for s in steps]
            return report
        report.steps.extend(_run_steps(target, ledger, held, steps, "downgrade", options))
    return report
