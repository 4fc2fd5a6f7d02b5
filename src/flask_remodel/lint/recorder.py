"""Run a revision's ``upgrade()`` without a database and record every operation.

The revision runs against an offline (``as_sql``) ``MigrationContext`` for the
target's dialect, exactly as ``flask db upgrade --sql`` would, so each
operation is also rendered to the SQL it would send. ``Operations.invoke`` is
wrapped on the instance (and on each batch block's ``BatchOperations``), through
:func:`flask_remodel._alembic.intercepted_operations`, to note the operation,
the ``file.py:line`` of the ``op.*`` call in the revision, the SQL written to
the buffer meanwhile, and whether it ran inside a batch or an
``autocommit_block()``. Nothing reaches a database: offline mode has no
connection; ``op.get_bind()`` answers as the database the replay has built
would, with no rows (:mod:`.replay_bind`), and ``alembic.context`` answers
for the offline context. A revision that needs more (the database's catalog)
stops recording at that point with a note (RM002).
"""

from __future__ import annotations

import contextlib
import inspect
import io
import logging
import re
import sys
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import AbstractContextManager
from contextlib import contextmanager
from contextlib import nullcontext
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any
from typing import Protocol

from alembic.operations import ops as alembic_ops
from alembic.runtime.migration import MigrationContext

from .._alembic import environment_for
from .._alembic import intercepted_batch_invoke
from .._alembic import intercepted_operations
from .._runtime import ensure_runtime
from .model import RecordedOp
from .model import Target
from .replay_bind import replay_connection
from .schema import Schema
from .sqltext import SqlStatement
from .sqltext import statements_from


@dataclass
class RevisionSource:
    """What the linter needs of one revision file."""

    revision: str
    path: str
    upgrade: Callable[..., Any] | None
    source: str = ""
    bind: str | None = None
    """For multi-database folders: the bind whose ``upgrade_<bind>()`` this is."""


@dataclass
class RecordedRevision:
    source: RevisionSource
    ops: list[RecordedOp] = field(default_factory=list)
    stopped: tuple[int, str] | None = None
    """(line, reason) when ``upgrade()`` raised before it finished."""


_QUERY = re.compile(r"\s*(?:\(\s*)*(?:SELECT|WITH|VALUES)\b", re.I)


def _dialect_name(target: Target) -> str:
    return target.name


def _call_line(paths: tuple[str, ...]) -> int:
    """The line in the revision file (named by any of *paths*) that led to the current call."""
    frame = inspect.currentframe()
    while frame is not None:
        if frame.f_code.co_filename in paths:
            return frame.f_lineno
        frame = frame.f_back
    return 0


class Observer(Protocol):
    """Runs each operation for ``--verify`` (a live connection) instead of rendering it."""

    def run(self, operation: Any, call: Callable[[], Any], in_autocommit: bool) -> Any:
        """Carry out *operation* with *call* (watching what it does); return its result."""

    def assign(self, first: int, end: int) -> None:
        """The recorded operations [first, end) came from the last ``run``."""


class _Recorder:
    def __init__(self, source: RevisionSource, buffer: io.StringIO, target: Target) -> None:
        self.source = source
        self.target = target
        self.buffer = buffer
        self.ops: list[RecordedOp] = []
        self.batch_table: str | None = None
        self.autocommit = 0
        self.path = str(Path(source.path).resolve())
        self.paths = (source.path, self.path)
        self.render = True
        self.context: Any = None
        self.observer: Observer | None = None
        self.gate: Callable[[list[RecordedOp]], None] | None = None
        """Set for a real run: judges each operation before it runs (and may raise)."""
        self.calling: list[Any] = []
        """The operations whose implementation is running now, outermost first."""
        self.schema_before: Schema | None = None
        """The replayed schema before this revision; None: not known (nothing is claimed)."""
        self._live: Schema | None = None
        self._applied = 0
        self.bind: Any = None

    def wrap_invoke(self, real: Callable[[Any], Any]) -> Callable[[Any], Any]:
        def invoke(operation: Any) -> Any:
            line = _call_line(self.paths)
            start = self.buffer.tell()
            result: Any = None
            if self.gate is not None:
                first = len(self.ops)
                self._note(operation, line, None)
                self.gate(self.ops[first:])
                return real(operation)
            if self.observer is not None:
                first = len(self.ops)
                self.calling.append(operation)
                try:
                    result = self.observer.run(
                        operation, lambda: real(operation), self.autocommit > 0
                    )
                finally:
                    self.calling.pop()
                self._note(operation, line, None)
                self.observer.assign(first, len(self.ops))
                return result
            self.calling.append(operation)
            try:
                if self.render:
                    result = real(operation)
                elif isinstance(operation, alembic_ops.CreateTableOp):
                    # Only replayed for the schema: skip rendering, but the
                    # revision may use the Table op.create_table returns.
                    result = operation.to_table(self.context)
            except Exception:
                # Offline rendering cannot do everything (MySQL's ALTER COLUMN
                # needs the column's type; SQLite batch recreates need the
                # table): the operation itself is still what the rules read.
                pass
            finally:
                self.calling.pop()
            sql = self.buffer.getvalue()[start:].strip() or None
            self.buffer.seek(0, io.SEEK_END)
            self._note(operation, line, sql)
            return result

        return invoke

    def _note(self, operation: Any, line: int, sql: str | None) -> None:
        if isinstance(operation, alembic_ops.ExecuteSQLOp):
            text = operation.sqltext if isinstance(operation.sqltext, str) else sql
            plain = getattr(operation.sqltext, "text", None)
            if text is None and isinstance(plain, str):
                text = plain  # sa.text(...) when not rendered
            parsed = statements_from(text or "")
            if parsed:
                for statement in parsed:
                    self._add(statement.operation, line, statement.text, raw=True)
                return
        self._add(operation, line, sql)

    def _add(self, operation: Any, line: int, sql: str | None, raw: bool = False) -> None:
        # An operation another one's implementation invoked (the CREATE INDEX
        # of op.create_index_online) notes that one: rules judge the pair by
        # what the outer one does around it.
        outer = tuple(self.calling)
        self.ops.append(
            RecordedOp(
                operation,
                self.path,
                line,
                sql,
                self.batch_table,
                self.autocommit > 0,
                len(self.ops),
                raw,
                outer,
            )
        )

    def wrap_get_bind(self, real: Callable[[], Any]) -> Callable[[], Any]:
        def get_bind() -> Any:
            if self.observer is not None or self.gate is not None:
                # --verify, or the real upgrade: the real connection, which
                # Alembic's own code (batch mode's reflection) needs as it is.
                # What runs on it cannot be told from here, so it counts as data use.
                self._add(
                    SqlStatement("connection_use", "op.get_bind()"), _call_line(self.paths), None
                )
                return real()
            # Reading the dialect is no data change: only what the revision
            # executes on the bind is recorded, as if it came from op.execute.
            if self.bind is None:
                self.bind = replay_connection(
                    real().dialect, self.target, self.live_schema,
                    str(getattr(self.context, "version_table", None) or "alembic_version"),
                    self._ran_on_bind,
                )  # fmt: skip
            return self.bind

        return get_bind

    def live_schema(self) -> Schema:
        """The replayed schema as it stands now, this revision's operations so far included."""
        if self._live is None:
            # Without the schema before, nothing is claimed about the tables that exist.
            before = self.schema_before or Schema(opaque=True)
            self._live = before.copy()
        for recorded in self.ops[self._applied :]:
            self._live.apply(recorded.operation, self.source.revision)
        self._applied = len(self.ops)
        return self._live

    def _ran_on_bind(self, text: str, operation: Any) -> None:
        line = _call_line(self.paths)
        if operation is not None:  # DDL of a Table (table.create(bind)): that operation
            self._add(operation, line, text.strip())
            return
        for statement in statements_from(text):
            operation = statement.operation
            if isinstance(operation, SqlStatement) and _QUERY.match(statement.text):
                continue  # a query: reading is not changing
            self._add(operation, line, statement.text, raw=True)

    def wrap_batch(
        self, real: Callable[..., AbstractContextManager[Any]]
    ) -> Callable[..., AbstractContextManager[Any]]:
        @contextmanager
        def batch_alter_table(table_name: str, *args: Any, **kw: Any) -> Iterator[Any]:
            if self.gate is not None:  # a real run: the block's errors are the run's
                outer, self.batch_table = self.batch_table, table_name
                try:
                    with real(table_name, *args, **kw) as batch_op:
                        intercepted_batch_invoke(batch_op, self.wrap_invoke)
                        yield batch_op
                finally:
                    self.batch_table = outer
                return
            manager = real(table_name, *args, **kw)
            batch_op = manager.__enter__()
            intercepted_batch_invoke(batch_op, self.wrap_invoke)
            outer, self.batch_table = self.batch_table, table_name
            try:
                yield batch_op
            finally:
                self.batch_table = outer
                try:
                    manager.__exit__(None, None, None)
                except Exception:
                    pass  # the table recreate needs a live database offline

        return batch_alter_table

    def wrap_autocommit(
        self, real: Callable[[], AbstractContextManager[Any]]
    ) -> Callable[[], AbstractContextManager[Any]]:
        @contextmanager
        def autocommit_block() -> Iterator[None]:
            # Under --verify everything stays in the one transaction that is
            # rolled back at the end, so the real block (which commits) is not entered.
            with nullcontext() if self.observer is not None else real():
                self.autocommit += 1
                try:
                    yield
                finally:
                    self.autocommit -= 1

        return autocommit_block


def quiet_context(**kw: Any) -> MigrationContext:
    """``MigrationContext.configure(**kw)`` without Alembic's "Context impl ..." lines.

    Alembic announces every context it configures; the linter's contexts are
    not news to the user.
    """
    logger = logging.getLogger("alembic.runtime.migration")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        return MigrationContext.configure(**kw)
    finally:
        logger.setLevel(level)


def offline_context(target: Target) -> tuple[MigrationContext, io.StringIO]:
    """An ``as_sql`` context for *target* and the buffer it writes SQL to (reusable)."""
    buffer = io.StringIO()
    context = quiet_context(
        dialect_name=_dialect_name(target), opts={"as_sql": True, "output_buffer": buffer}
    )
    return context, buffer


def record(
    source: RevisionSource,
    target: Target,
    offline: tuple[MigrationContext, io.StringIO | None] | None = None,
    render: bool = True,
    observer: Observer | None = None,
    schema: Schema | None = None,
) -> RecordedRevision:
    """Run *source*'s upgrade offline for *target* and return what it asked for.

    *offline* (from :func:`offline_context`) saves building a context per revision.
    With *render* false the operations are recorded but not rendered to SQL
    (for revisions replayed only to know the schema: several times faster).
    With an *observer* (``--verify``), *offline* holds an online context and the
    observer runs each operation against its connection. *schema* is the
    replayed schema before this revision, which ``op.get_bind()`` reflects
    (it is not changed).
    """
    recorded = RecordedRevision(source)
    if source.upgrade is None:
        return recorded
    # The linter can be used without the rest of Flask-Remodel; the scripts
    # may still call its operations (op.create_index_online ...).
    ensure_runtime()
    context, buffer = offline or offline_context(target)
    if buffer is None:  # an online context (--verify): nothing is rendered
        buffer = io.StringIO()
    buffer.seek(0)
    buffer.truncate()
    recorder = _Recorder(source, buffer, target)
    recorder.render = render
    recorder.context = context
    recorder.observer = observer
    recorder.schema_before = schema
    with intercepted_operations(
        context, invoke=recorder.wrap_invoke, batch_alter_table=recorder.wrap_batch,
        get_bind=recorder.wrap_get_bind, autocommit_block=recorder.wrap_autocommit,
    ), environment_for(context), contextlib.redirect_stdout(sys.stderr):
        # What upgrade() prints (real histories print progress) goes to stderr: stdout
        # carries the report, which --format json must keep whole.
        try:
            source.upgrade()
        except Exception as exc:
            recorded.stopped = _stop(exc, recorder.path)
        finally:
            if recorder.bind is not None:
                recorder.bind.close()
    recorded.ops = recorder.ops
    return recorded


def _stop(exc: Exception, path: str) -> tuple[int, str]:
    """(line in the revision, reason) for an exception out of ``upgrade()``."""
    tb = exc.__traceback__
    line = 0
    while tb is not None:
        if str(Path(tb.tb_frame.f_code.co_filename).resolve()) == path:
            line = tb.tb_lineno
        tb = tb.tb_next
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return line, f"{type(exc).__name__}: {reason}".rstrip(": ")
