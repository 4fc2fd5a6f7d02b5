"""Carrying on with a revision MariaDB/MySQL committed part of, instead of refusing it.

MariaDB/MySQL commit each DDL statement, so a revision that fails at its
third statement keeps the first two, and the ledger row (``partial``) lists
them (:mod:`.committed`). Running the revision again from the top would fail
at the first one (the column exists already). When the row shows exactly
what stayed, ``upgrade`` runs the revision again and does not send the
statements it lists: each changing statement the revision sends is compared,
in order, with the next one the record lists as committed and skipped when
it is the same; once the list is exhausted, the rest runs as usual.

Resuming needs the record to be the whole truth, so anything else keeps
today's refusal (exit 9, ``flask db resolve``):

* the revision's file changed since it ran (its checksum differs): the
  statements it sends now need not be the ones it committed;
* the record is not whole: statements left out in its middle to keep it
  bounded, an entry cut to fit, a statement still marked in flight (sent by a
  process that died, not known to have taken effect);
* a backfill's batches (one entry counting them) followed by more statements:
  the backfill would pick up where it stopped, with other batches, so its
  statements cannot be matched one for one. As the *last* entry it is fine:
  ``op.backfill`` only updates the rows still to do, so it simply carries on.

While resuming, a statement that differs from the next one listed, one sent
with bound values (the record keeps only the SQL text, so it cannot tell it
is the same), or the revision ending before the list is exhausted stops the
run before that statement (or the version table's update) is sent: nothing
was sent but reads, and the ledger keeps the record it had.

Statements are intercepted with SQLAlchemy's ``before_cursor_execute`` event
on the migration engine, the seam the runner's record is written from: a
skipped statement is replaced by ``DO 0`` (a statement that does nothing on
MariaDB and MySQL), so Alembic and the operation see it run.
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from typing import NoReturn

from alembic.script import Script
from sqlalchemy import event
from sqlalchemy.engine import Engine

from ..errors import exception_chain
from . import ledger as outcomes
from .committed import Committed
from .committed import Run
from .committed import is_in_flight
from .committed import one_line
from .committed import recorded_head
from .committed import run_of
from .copy_leftovers import is_in_place_form
from .errors import UnresolvedRevisionError
from .ledger import Entry
from .ledger import Ledger
from .scripts import checksum

NOOP = "DO 0"
"""What a skipped statement is sent as: evaluates ``0`` and does nothing (MariaDB, MySQL)."""

_SHOWN = 80  # characters of a statement in a one-line reason


@dataclass(frozen=True)
class Resumption:
    """What one revision committed before, to be skipped when it runs again."""

    revision: str
    runs: tuple[Run, ...]
    entries: tuple[str, ...]
    """The record as the ledger row has it (kept by a refusal)."""

    @property
    def skipped(self) -> int:
        """How many statements are not sent again (a trailing backfill runs on)."""
        return sum(run.times for run in self.runs if not run.progress)

    def describe(self) -> str:
        said = []
        if self.skipped:
            said.append(f"{self.skipped} statement(s) it committed before are skipped")
        if self.runs and self.runs[-1].progress:
            said.append("its backfill carries on with the rows still to do")
        return "; ".join(said)

    def carried(self) -> Committed:
        """The record the new run starts from: what stayed of the earlier one."""
        record = Committed()
        for run in self.runs:
            record.add(run.sql, run.rows, run.progress, run.times)
        return record


def _not_resumable(entry: Entry, script: Script) -> str | Resumption:
    """The resumption of *entry*'s revision, or why there is none."""
    if entry.direction != "upgrade":
        return "it stopped half-way through a downgrade"
    try:
        now = checksum(script.path)
    except OSError:
        now = None
    if entry.checksum is None or now != entry.checksum:
        return "its file changed since it ran, so what it runs now may differ"
    runs = _runs(entry.executed)
    if isinstance(runs, str):
        return runs
    return Resumption(entry.revision, runs, entry.executed)


def _runs(entries: Sequence[str]) -> tuple[Run, ...] | str:
    """What *entries* say was committed, one :class:`Run` each; or why they cannot say it."""
    if not entries:
        return "the ledger does not list what it committed"
    runs = []
    for text in entries:
        if is_in_flight(text):
            return f"whether a statement it sent took effect is not known: {one_line(text, _SHOWN)}"
        run = run_of(text)
        if run is None:
            return "the ledger lists only part of what it committed (its record is bounded)"
        runs.append(run)
    if any(run.progress for run in runs[:-1]):
        return "it committed a backfill's batches and then more statements"
    return tuple(runs)


def resumable(entries: Sequence[str]) -> bool:
    """Whether a revision that committed *entries* (unchanged since) would resume."""
    return not isinstance(_runs(entries), str)


def resumptions(
    ledger: Ledger, steps: list[Script], transactional: bool
) -> dict[str, Resumption]:
    """The ``partial`` revisions among *steps* that resume, by revision.

    :raises UnresolvedRevisionError: one does not (exit 9: ``resolve`` is needed).
    """
    latest = ledger.latest(outcomes.NEEDS_RESOLVE)  # not every row of the ledger
    found = {}
    for step in steps:
        entry = latest.get(step.revision)
        if entry is None or entry.outcome not in outcomes.NEEDS_RESOLVE:
            continue
        plan = (
            "the database keeps no record of it to resume from" if transactional
            else _not_resumable(entry, step)
        )
        if isinstance(plan, str):
            raise UnresolvedRevisionError(step.revision, "partially applied", entry.executed, plan)
        found[step.revision] = plan
    return found


class Diverged(Exception):
    """The resumed revision is not sending what it committed before: stop before it does."""

    def __init__(self, resumption: Resumption, reason: str) -> None:
        super().__init__(f"{resumption.revision}: {reason}")
        self.revision = resumption.revision
        self.resumption = resumption
        self.reason = reason


def diverged(exc: BaseException) -> Diverged | None:
    """The :class:`Diverged` *exc* is, or was raised from (a wrapper's cause)."""
    return next((e for e in exception_chain(exc) if isinstance(e, Diverged)), None)


def refuse(ledger: Ledger, entry_id: int, exc: Diverged, seconds: float) -> NoReturn:
    """Close the resumed run's row as the refused revision was, and raise exit 9.

    Nothing was sent but reads, so the row keeps the earlier record whole and
    the revision stays ``partial`` for ``resolve``.
    """
    resumption = exc.resumption
    ledger.finish(
        entry_id, outcomes.PARTIAL, seconds=seconds, error=f"not resumed: {exc.reason}",
        executed=resumption.entries,
    )
    raise UnresolvedRevisionError(
        exc.revision, "partially applied", resumption.entries, exc.reason
    ) from exc


@dataclass(eq=False)  # hashable by identity: SQLAlchemy keeps its listeners in sets
class Skipper:
    """Skips, in the running revision, the statements its earlier run committed.

    The runner says which revision runs (:meth:`enter`); a revision without a
    :class:`Resumption` runs untouched.
    """

    plans: Mapping[str, Resumption]
    version_table: str
    current: Resumption | None = None
    _at: int = 0  # index of the next run to match
    _seen: int = 0  # how many times that run was matched already
    _exhausted: bool = field(default=True)

    def enter(self, revision: str) -> Resumption | None:
        """*revision* starts: its resumption (if any), from its first statement."""
        self.current = self.plans.get(revision)
        self._at, self._seen = 0, 0
        self._exhausted = self.current is None or not self.current.runs
        return self.current

    def _stop(self, reason: str) -> NoReturn:
        assert self.current is not None
        self._exhausted = True  # the error's own statements (a rollback) pass
        raise Diverged(self.current, reason)

    def _next(self) -> None:
        assert self.current is not None
        self._seen += 1
        if self._seen >= self.current.runs[self._at].times:
            self._at, self._seen = self._at + 1, 0
        self._exhausted = self._at >= len(self.current.runs)

    def __call__(
        self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
        executemany: bool,
    ) -> tuple[str, Any]:
        if self._exhausted or self.current is None:
            return statement, parameters
        head = recorded_head(statement, self.version_table)
        if head is None:
            if self.version_table in statement and statement.lstrip()[:6].upper() in (
                "UPDATE", "INSERT", "DELETE"
            ):
                left = one_line(self.current.runs[self._at].sql, _SHOWN)
                self._stop(f"the revision now ends before running {left}, which it committed")
            return statement, parameters  # reads and session settings run
        sql = statement.strip()
        expected = self.current.runs[self._at]
        if is_in_place_form(expected.sql, sql):
            # A table copy pt-online-schema-change committed: the in-place ALTER that
            # led to it is skipped, and the operation takes it as done.
            self._next()
            return NOOP, parameters
        if sql != expected.sql:
            self._stop(
                f"the revision now runs {one_line(sql, _SHOWN)} where it committed "
                f"{one_line(expected.sql, _SHOWN)}"
            )
        if expected.progress:
            # A backfill's batches, last in the record: it only updates the rows
            # still to do, so it carries on from where it stopped.
            self._exhausted = True
            return statement, parameters
        if parameters:
            self._stop(
                f"it sends {one_line(sql, _SHOWN)} with bound values, which the ledger does "
                "not keep, so it cannot tell it is the statement committed"
            )
        self._next()
        return NOOP, parameters

    @contextmanager
    def listening(self, engine: Engine) -> Iterator[None]:
        """Skip while the runner runs (first among the engine's listeners, so the
        record's own listener sees the statement as sent)."""
        if not self.plans:
            yield
            return
        event.listen(engine, "before_cursor_execute", self, retval=True, insert=True)
        try:
            yield
        finally:
            event.remove(engine, "before_cursor_execute", self)
