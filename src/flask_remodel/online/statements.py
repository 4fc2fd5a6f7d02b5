"""Lock timeouts and retries around every statement of a migration run.

:func:`lock_timeouts` is entered once per connection by the environment: it
sets the session's lock and statement timeouts, sends every statement Alembic
executes through :class:`StatementRetrier`, and puts the session back at the
end. A statement that times out waiting for a lock is tried again after a
pause that doubles each time. When the retries run out the statement fails
with :class:`~.errors.LockTimeoutError`, naming the session it waited for.

What "tried again" means depends on where the statement runs:

* on PostgreSQL, in a revision the deploy runner runs in a transaction of its
  own (:func:`run_revision`), the revision is the unit: one ``SAVEPOINT`` when
  it starts, and after a lock timeout it is rolled back to it and run again
  from the top. One round trip a revision instead of one a statement; the
  price is that a retried revision's Python code runs again (its database
  work was undone);
* on PostgreSQL otherwise (an env.py that runs every revision in one
  transaction, or the rest of a revision after an ``autocommit_block`` ended
  its transaction and the savepoint with it), each statement runs under its
  own savepoint (:mod:`.savepoints`) and is retried alone;
* outside a transaction (an ``autocommit_block``) and on MariaDB/MySQL, whose
  DDL commits by itself, the statement is simply sent again.

:func:`lock_timeouts_in_script` is its counterpart for offline mode
(``upgrade --sql``): the same session settings, written into the script.
"""

from __future__ import annotations

import logging
import textwrap
import threading
import time
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from typing import TypeVar

from sqlalchemy.engine import Connection
from sqlalchemy.schema import CreateIndex
from sqlalchemy.schema import DropIndex

from .._alembic import wrap_statement_execution
from ..dialects import DialectSupport
from ..dialects import dialect_for
from ..dialects import driver_connection
from ..dialects.base import LockWaitWatchdog
from ..dialects.base import Shot
from .errors import Blocker
from .errors import LockTimeoutError
from .policy import LockPolicy
from .savepoints import REVISION_NAME
from .savepoints import StatementSavepoints

T = TypeVar("T")

# The settings each run applies: a detail, shown by ``flask db upgrade -v``.
log = logging.getLogger("flask_remodel.online")

_retrier: ContextVar[StatementRetrier | None] = ContextVar("remodel_retrier", default=None)
_exempt: ContextVar[bool] = ContextVar("remodel_lock_exempt", default=False)


def current_policy() -> LockPolicy | None:
    """The lock policy of the migration run in progress (None: no lock timeouts apply)."""
    retrier = _retrier.get()
    return retrier.policy if retrier is not None else None


@contextmanager
def without_lock_timeout() -> Iterator[None]:
    """Statements in the block wait for their locks as long as it takes.

    On PostgreSQL only, and only for statements whose lock does not conflict with reads and writes
    (``CREATE INDEX CONCURRENTLY``, ``VALIDATE CONSTRAINT`` take SHARE UPDATE
    EXCLUSIVE): waiting costs the application nothing, and timing out would
    throw the work away. MariaDB/MySQL have no such lock: there the
    policy's timeout always applies.
    """
    token = _exempt.set(True)
    try:
        yield
    finally:
        _exempt.reset(token)


def _concurrent(statement: Any) -> bool:
    """Whether *statement* is an index built or dropped with ``postgresql_concurrently``.

    A script written with Alembic's own operations (see :mod:`.plain_forms`)
    has no :func:`without_lock_timeout` around its concurrent index builds:
    the runner recognises them so they wait for their lock as the online
    operation's would, instead of timing out half-built.
    """
    index = getattr(statement, "element", None)
    options = getattr(index, "dialect_options", None)
    if not isinstance(statement, (CreateIndex, DropIndex)) or options is None:
        return False
    return bool(options["postgresql"].get("concurrently"))


def _lock_wait_exempt(statement: Any) -> bool:
    return _exempt.get() or _concurrent(statement)


def under_lock_policy(execute: Callable[[], T], statement: Any) -> T:
    """Run *execute* (which sends *statement*) with the run's timeouts and retries.

    For statements an operation sends itself because it needs their result
    (Alembic's ``op.execute`` returns none); without a policy it just runs.
    """
    retrier = _retrier.get()
    return retrier(execute, statement) if retrier is not None else execute()


def run_revision(run: Callable[[], T]) -> T:
    """Run one revision's own function (*run*), retried whole after a lock timeout.

    For the deploy runner, which runs each revision in a transaction of its
    own: on PostgreSQL the revision then costs one savepoint, not one per
    statement (see the module's docstring). Elsewhere, or without a lock
    policy, *run* just runs and its statements are retried one by one.
    """
    retrier = _retrier.get()
    return retrier.run_revision(run) if retrier is not None else run()


def _in_transaction(connection: Connection) -> bool:
    raw = driver_connection(connection)
    return not getattr(raw, "autocommit", False)


@dataclass
class _RevisionAttempt:
    """One run of a revision's function under :meth:`StatementRetrier.run_revision`."""

    number: int
    last: bool
    timed_out: bool = False
    whole: bool = True
    """False once the revision left its transaction (``autocommit_block``): the
    savepoint went with it, so its statements are retried one by one again."""


class _BlockerWatch:
    """On the last attempt, who the statement waits for, seen from a second connection.

    Once the statement has timed out the wait is over and the database no
    longer says who it was waiting for, so a thread looks while it waits.
    """

    def __init__(
        self, engine: Any, support: DialectSupport, waiting: int, delay: float, eager: bool
    ) -> None:
        self.eager = eager
        self.support = support
        self.engine = engine
        self.waiting = waiting
        self.delay = delay
        self.found: list[Blocker] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        if not self.eager and self._stop.wait(self.delay):
            return  # most statements finish at once: no second connection for them
        try:
            # After a timed-out attempt, connected before the wait: on a busy
            # machine opening a connection can take longer than the whole lock
            # wait, and once the statement has timed out PostgreSQL no longer
            # says who blocked it.
            with self.engine.connect() as other:
                if self.eager and self._stop.wait(self.delay):
                    return
                while True:
                    seen = self.support.blockers(other, self.waiting)
                    if seen:
                        self.found = seen
                    if self._stop.wait(0.02):
                        return
        except Exception:  # best effort: the error message says when nobody was seen
            return

    def done(self) -> None:
        """The statement went through: nobody to look for."""
        self._stop.set()
        self._thread.join(timeout=5)

    def stop(self) -> list[Blocker]:
        """The statement timed out: who it waited for, as seen (or asked for now)."""
        self.done()
        if not self.found:
            # A wait too short for the thread to see: MariaDB still shows the
            # open transaction that held the lock (PostgreSQL shows nothing now).
            try:
                with self.engine.connect() as other:
                    self.found = self.support.blockers(other, self.waiting)
            except Exception:
                pass
        return self.found


class StatementRetrier:
    """Runs each statement of a migration under the lock policy, retrying lock timeouts."""

    def __init__(
        self, impl: Any, support: DialectSupport, policy: LockPolicy,
        version_table: str | None = None,
    ) -> None:
        self.impl = impl
        self.version_table = version_table
        self.support = support
        self.policy = policy
        self._depth = 0
        self._watchdog: LockWaitWatchdog | None = None
        self._backend_id: int | None = None
        self._savepoints: StatementSavepoints | None = None
        self._revision: _RevisionAttempt | None = None

    def close(self) -> None:
        if self._savepoints is not None:
            self._savepoints.close()
        if self._watchdog is not None:
            self._watchdog.close()

    @contextmanager
    def _lock_wait_limit(self) -> Iterator[Shot]:
        if not self.support.needs_watchdog(self.policy.lock_timeout_ms):
            yield Shot()
            return
        if self._watchdog is None:
            self._watchdog = self.support.lock_wait_watchdog(
                self.connection, self.policy.lock_timeout_ms
            )
        with self._watchdog.watching() as shot:
            yield shot

    def __call__(self, execute: Callable[[], T], statement: Any) -> T:
        if self.impl.as_sql or self._depth:
            return execute()  # nested: the outer statement's attempt covers it
        self._depth += 1
        try:
            if _lock_wait_exempt(statement) and self.support.transactional_ddl:
                return self._exempted(execute)
            revision = self._revision
            if revision is not None and revision.whole:
                if _in_transaction(self.connection):
                    return self._in_revision(execute, statement, revision)
                revision.whole = False  # an autocommit_block committed the savepoint away
            if self._moves_version(statement):
                return self._with_retries(execute, statement, retry=False)
            return self._with_retries(execute, statement)
        finally:
            self._depth -= 1

    def _moves_version(self, statement: Any) -> bool:
        """Whether *statement* is Alembic writing its version table after a revision.

        The deploy lock keeps other migration runs off that table, so it has
        no lock to wait for that a retry would get: no savepoint for it.
        """
        table = getattr(statement, "table", None)
        return self.version_table is not None and getattr(table, "name", None) == self.version_table

    def _retries_revisions(self) -> bool:
        return (
            not self.impl.as_sql
            and self.support.transactional_ddl
            and self.policy.lock_timeout_ms > 0
            and self.connection.in_transaction()
            and _in_transaction(self.connection)
        )

    def run_revision(self, run: Callable[[], T]) -> T:
        """See :func:`run_revision`."""
        if self._revision is not None or not self._retries_revisions():
            return run()
        pauses = list(self.policy.pauses())
        for number in range(len(pauses) + 1):
            attempt = _RevisionAttempt(number, last=number == len(pauses))
            self.connection.exec_driver_sql(f"SAVEPOINT {REVISION_NAME}")
            self._revision = attempt
            try:
                result = run()
            except BaseException:
                if not self._undone_for_retry(attempt):
                    raise
            else:
                # A revision may have caught the timeout itself: its transaction
                # is aborted all the same, and a rerun is what it needs.
                if not self._undone_for_retry(attempt):
                    return result
            finally:
                self._revision = None
            time.sleep(pauses[number])
        raise AssertionError("unreachable")  # pragma: no cover

    def _undone_for_retry(self, attempt: _RevisionAttempt) -> bool:
        """Whether *attempt* timed out waiting for a lock and was rolled back to run again."""
        if not attempt.timed_out or attempt.last or not attempt.whole:
            return False
        self.connection.exec_driver_sql(f"ROLLBACK TO SAVEPOINT {REVISION_NAME}")
        return True

    def _in_revision(
        self, execute: Callable[[], T], statement: Any, revision: _RevisionAttempt
    ) -> T:
        """One try of *statement*: a lock timeout ends the revision's attempt, not the run,
        until the revision's last attempt, where it is the run's error."""
        watch = self._watch_blockers(revision.number > 0) if revision.last else None
        shot = Shot()
        try:
            with self._lock_wait_limit() as shot:
                return execute()
        except Exception as exc:
            blockers = watch.stop() if watch is not None else []
            watch = None
            if not (self.support.is_lock_timeout(exc) or shot.fired):
                raise
            if revision.last:
                raise self._timed_out(statement, revision.number + 1, blockers) from exc
            revision.timed_out = True
            raise
        finally:
            if watch is not None:
                watch.done()

    def _timed_out(self, statement: Any, attempts: int, blockers: list[Blocker]) -> Exception:
        return LockTimeoutError(
            str(statement), attempts,
            self.support.effective_lock_timeout_ms(self.policy.lock_timeout_ms),
            blockers,
            kept=not self.support.transactional_ddl,
        )

    @property
    def connection(self) -> Connection:
        found: Connection = self.impl.connection
        return found

    def _set_lock_timeout(self, ms: int) -> None:
        self.connection.exec_driver_sql(self.support.lock_timeout_setting(ms))

    def _exempted(self, execute: Callable[[], T]) -> T:
        self._set_lock_timeout(0)
        try:
            return execute()
        finally:
            self._set_lock_timeout(self.policy.lock_timeout_ms)

    def _watch_blockers(self, retrying: bool) -> _BlockerWatch:
        if self._backend_id is None:
            self._backend_id = self.support.backend_id(self.connection)
        delay = min(self.policy.lock_timeout_ms / 2, 20) / 1000
        return _BlockerWatch(
            self.connection.engine, self.support, self._backend_id, delay, eager=retrying
        )

    def _with_retries(self, execute: Callable[[], T], statement: Any, retry: bool = True) -> T:
        pauses = list(self.policy.pauses()) if retry else []
        limited = self.policy.lock_timeout_ms > 0
        for attempt in range(len(pauses) + 1):
            last = attempt == len(pauses)
            # The version table's write (no retry) is not worth a thread a revision.
            watch = self._watch_blockers(attempt > 0) if last and limited and retry else None
            shot = Shot()
            try:
                with self._lock_wait_limit() as shot:
                    return self._attempt(execute) if retry else execute()
            except Exception as exc:
                blockers = watch.stop() if watch is not None else []
                watch = None
                timed_out = self.support.is_lock_timeout(exc) or shot.fired
                if not timed_out or not limited:
                    raise
                if last:
                    raise self._timed_out(statement, attempt + 1, blockers) from exc
            finally:
                if watch is not None:
                    watch.done()
            time.sleep(pauses[attempt])
        raise AssertionError("unreachable")  # pragma: no cover

    def _attempt(self, execute: Callable[[], T]) -> T:
        if not (self.support.transactional_ddl and _in_transaction(self.connection)):
            return execute()
        # Plain statements, not begin_nested(): SQLAlchemy's savepoint objects
        # cost twice the round trips' time, on every statement of every
        # revision. SQLAlchemy 2 leaves the transaction open after a failed
        # statement, so rolling back to the savepoint is all it takes.
        if self._savepoints is None:
            self._savepoints = StatementSavepoints(self.connection)
        self._savepoints.take()
        try:
            result = execute()
        except BaseException:
            self._savepoints.failed()
            raise
        self._savepoints.succeeded()
        return result


@contextmanager
def lock_timeouts(connection: Connection, policy: LockPolicy) -> Iterator[Callable[[Any], None]]:
    """Lock timeouts with retries for the migrations run on *connection*.

    Enter before ``context.configure`` (no transaction may be open yet: the
    session settings are committed at once), then call the yielded function
    with the configured ``MigrationContext``. On exit the session's timeouts
    are put back, so the connection goes back to the app's pool as it came.
    """
    support = dialect_for(connection)
    if not support.supports_lock_timeouts or not policy.enabled:
        yield lambda migration_context: None
        return
    settings = support.session_settings(policy)
    support.apply(connection, settings)
    log.debug(
        "Lock timeouts: %s; up to %d retries", "; ".join(settings) or "none", policy.retries
    )
    undo: list[Callable[[], None]] = []
    tokens: list[Any] = []

    def attach(migration_context: Any) -> None:
        retrier = StatementRetrier(
            migration_context.impl, support, policy, migration_context.version_table
        )
        undo.append(wrap_statement_execution(migration_context.impl, retrier))
        undo.append(retrier.close)
        tokens.append(_retrier.set(retrier))

    try:
        yield attach
    finally:
        for each in undo:
            each()
        for token in reversed(tokens):
            _retrier.reset(token)
        try:
            support.apply(connection, support.reset_settings())
        except Exception:
            # A session we cannot reset must not go back to the pool with
            # a 50 ms lock timeout the app never asked for.
            connection.invalidate()


class _ScriptExemptions:
    """Writes the ``SET lock_timeout`` pair the runner sends around an exempt statement.

    In an offline script each statement is written, not run, so instead of
    :class:`StatementRetrier` this only mirrors what the runner would send
    before and after a statement inside :func:`without_lock_timeout`.
    """

    def __init__(self, migration_context: Any, support: DialectSupport, policy: LockPolicy) -> None:
        self.migration_context = migration_context
        self.support = support
        self.policy = policy
        self._writing = False  # our own SET goes through the same hook: let it pass

    def __call__(self, execute: Callable[[], T], statement: Any) -> T:
        if self._writing or not self._lifts_timeout(statement):
            return execute()
        self._write(self.support.lock_timeout_setting(0))
        result = execute()
        self._write(self.support.lock_timeout_setting(self.policy.lock_timeout_ms))
        return result

    def _lifts_timeout(self, statement: Any) -> bool:
        # As StatementRetrier: exemptions exist only where DDL is transactional.
        return (
            _lock_wait_exempt(statement)
            and self.support.transactional_ddl
            and self.policy.lock_timeout_ms > 0
        )

    def _write(self, statement: str) -> None:
        self._writing = True
        try:
            self.migration_context.execute(statement)
        finally:
            self._writing = False


def _script_notes(support: DialectSupport, policy: LockPolicy) -> str:
    """The comment above the settings: what of the runner's handling the script lacks."""
    ms = policy.lock_timeout_ms
    notes = ["The lock and statement timeouts `flask db upgrade` sets (REMODEL_LOCK_TIMEOUT,"
             " REMODEL_STATEMENT_TIMEOUT)."]
    if ms and support.needs_watchdog(ms):
        notes.append(f"The server counts lock waits in whole seconds, so {ms} ms is rounded up"
                     f" here; `flask db upgrade` cancels a wait after {ms} ms itself.")
    retries = len(list(policy.pauses()))
    if retries:
        notes.append(f"No retries: `flask db upgrade` tries a statement that timed out waiting"
                     f" for a lock {retries} more time(s), a script cannot. Stop at the first"
                     " error and start again from the failed revision.")
    return "\n".join(
        textwrap.fill(note, width=88, initial_indent="-- ", subsequent_indent="-- ")
        for note in notes
    )


@contextmanager
def lock_timeouts_in_script(migration_context: Any, policy: LockPolicy) -> Iterator[None]:
    """The session settings of :func:`lock_timeouts`, written at the top of an offline script.

    For ``upgrade --sql`` / ``downgrade --sql``: enter after ``context.configure``
    and before ``context.run_migrations``, with the offline ``MigrationContext``.
    Writes the same ``SET`` statements the runner applies (nothing where it
    would apply none: SQLite, or both timeouts off), after a comment saying
    that the retries stay behind, and around each statement exempt from the
    lock timeout the runner's ``SET lock_timeout`` pair. Nothing is reset
    at the end: the session of the tool that runs the script ends with it.
    """
    support = dialect_for(migration_context)
    if not support.supports_lock_timeouts or not policy.enabled:
        yield
        return
    # static_output: Alembic's own way of writing a line that is not a statement.
    migration_context.impl.static_output(_script_notes(support, policy))
    for statement in support.session_settings(policy):
        migration_context.execute(statement)
    undo = wrap_statement_execution(
        migration_context.impl, _ScriptExemptions(migration_context, support, policy)
    )
    try:
        yield
    finally:
        undo()
