"""What a running revision committed, as its ledger row keeps it: bounded by construction.

Where DDL commits by itself (MariaDB/MySQL), the runner writes the changing
statements of a revision to the row's ``executed`` column as they run, so a
failure or a killed process leaves a record of what stayed. That record
must not grow with the work: a backfill commits one ``UPDATE`` per batch,
thousands of them, and MariaDB's ``TEXT`` holds 65,535 bytes. A record that
overflowed would fail the revision half-way, on the ledger's account.

So the record is bounded whatever the revision runs:

* a statement run again right after itself (the same SQL text, as each batch
  of ``op.backfill`` is) stays one entry that counts its runs and rows, and
  says how far the work got when the statement carries a
  :data:`PROGRESS_OPTION` execution option (``op.backfill``: ``up to id=N``);
* at most :data:`FIRST_KEPT` entries from the start and :data:`LAST_KEPT`
  from the end are listed, with one entry counting those between;
* an entry longer than :data:`ENTRY_CHARS` is cut, and says so.

A statement that commits by itself is also written down *before* it is sent,
marked :data:`IN_FLIGHT`: a process killed while the server runs it (or
before the runner's write after it) leaves that mark, and whoever finds the
row (:mod:`.died`) checks the schema to tell whether it took effect.

The column stores the entries joined by :data:`SEPARATOR`; an entry's notes
are a last line that starts with :data:`NOTE`.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from .tables import OWN_TABLES

PROGRESS_OPTION = "remodel_progress"
"""Execution option of a statement that repeats a step of longer work: how far that
work has got once the statement has run (``op.backfill``: ``up to id=1000``)."""

CHANGES = ("CREATE", "ALTER", "DROP", "INSERT", "UPDATE", "DELETE", "RENAME", "TRUNCATE")
"""First words of the statements a record lists: those that change a schema or rows."""

SEPARATOR = "\n;\n"
NOTE = "\n-- remodel: "
FIRST_KEPT = 10
LAST_KEPT = 5
ENTRY_CHARS = 960
PROGRESS_CHARS = 100
IN_FLIGHT = "in flight: sent, not known to have completed"

RECORD_CHARS = (FIRST_KEPT + 1 + LAST_KEPT) * (ENTRY_CHARS + len(SEPARATOR))
"""The longest record, in characters: the kept entries and the one counting the rest."""

TEXT_BYTES = 65_535  # MariaDB/MySQL TEXT, the smallest column type the ledger may have
# A character takes at most 4 bytes in any character set the column may use.
assert RECORD_CHARS * 4 <= TEXT_BYTES, "the ledger's record could overflow its column"


def _fitted(sql: str, notes: list[str]) -> str:
    """*sql* with *notes* as its last line, cut so the whole fits :data:`ENTRY_CHARS`."""
    tail = NOTE + ", ".join(notes) if notes else ""
    if len(sql) + len(tail) <= ENTRY_CHARS:
        return sql + tail
    tail = NOTE + ", ".join([*notes, f"cut from {len(sql):,} characters"])
    return sql[: ENTRY_CHARS - len(tail) - 4] + " ..." + tail


@dataclass
class Run:
    """One entry: a statement, and how often it ran in a row."""

    sql: str
    times: int = 1
    rows: int | None = None
    """Rows it changed in all, when the driver said (DDL does not)."""
    progress: str = ""
    """How far the work it repeats had got after its last run (:data:`PROGRESS_OPTION`)."""

    def again(self, rows: int | None, progress: str, times: int = 1) -> None:
        self.times += times
        if rows is not None:
            self.rows = rows + (self.rows or 0)
        self.progress = progress or self.progress

    def text(self) -> str:
        notes = []
        if self.times > 1 or self.progress:
            notes.append("ran once" if self.times == 1 else f"ran {self.times:,} times")
            if self.rows is not None:
                notes.append(f"{self.rows:,} row(s)")
        if self.progress:
            notes.append(self.progress[:PROGRESS_CHARS])
        return _fitted(self.sql, notes)


def _left_out(count: int) -> str:
    return f"{NOTE.lstrip()}{count:,} more statement(s) ran here, not listed"


class Committed:
    """The statements a revision ran, as :func:`entries` for the ledger; bounded in memory too."""

    def __init__(self) -> None:
        self.first: list[Run] = []
        self.last: deque[Run] = deque()
        self.left_out = 0
        """Runs of statements dropped from the middle of the list."""

    def __bool__(self) -> bool:
        return bool(self.first)

    def _latest(self) -> Run | None:
        if self.last:
            return self.last[-1]
        return self.first[-1] if self.first else None

    def add(self, sql: str, rows: int | None = None, progress: str = "", times: int = 1) -> None:
        latest = self._latest()
        if latest is not None and latest.sql == sql:
            latest.again(rows, progress, times)
            return
        run = Run(sql, times=times, rows=rows, progress=progress)
        if len(self.first) < FIRST_KEPT:
            self.first.append(run)
            return
        self.last.append(run)
        if len(self.last) > LAST_KEPT:
            self.left_out += self.last.popleft().times

    def extend(self, later: Committed) -> None:
        """Add the statements of *later*, which ran after these."""
        for run in later.runs():
            self.add(run.sql, run.rows, run.progress, run.times)
        self.left_out += later.left_out

    @property
    def complete(self) -> bool:
        """Whether every statement is listed (none was left out to keep the record bounded)."""
        return not self.left_out

    def runs(self) -> list[Run]:
        """The entries listed, oldest first."""
        return [*self.first, *self.last]

    def entries(self) -> list[str]:
        """The entries as the ledger stores them, oldest first."""
        middle = [_left_out(self.left_out)] if self.left_out else []
        return [*(r.text() for r in self.first), *middle, *(r.text() for r in self.last)]


def as_record(entries: Iterable[str]) -> str:
    """The ``executed`` column for *entries*: at most :data:`RECORD_CHARS`, whoever wrote them."""
    found = [_fitted(entry, []) for entry in entries]
    if len(found) > FIRST_KEPT + 1 + LAST_KEPT:
        between = len(found) - FIRST_KEPT - LAST_KEPT
        found = [*found[:FIRST_KEPT], _left_out(between), *found[-LAST_KEPT:]]
    record = SEPARATOR.join(found)
    assert len(record) <= RECORD_CHARS
    return record


def from_record(text: str | None) -> tuple[str, ...]:
    return tuple(entry for entry in (text or "").split(SEPARATOR) if entry)


def in_flight(entry: str) -> str:
    """*entry* marked as sent but not known to have completed (its note, last)."""
    sql, _, notes = entry.partition(NOTE)
    return _fitted(sql, [*([notes] if notes else []), IN_FLIGHT])


def is_in_flight(entry: str) -> bool:
    return entry.endswith(IN_FLIGHT)


def landed(entry: str) -> str:
    """An :func:`in_flight` *entry* known to have completed: its mark taken off."""
    if not is_in_flight(entry):
        return entry
    sql, _, notes = entry.partition(NOTE)
    rest = notes[: -len(IN_FLIGHT)].rstrip(", ")
    return sql + (NOTE + rest if rest else "")


def statement_of(entry: str) -> str:
    """The SQL of *entry*, without its notes."""
    return entry.partition(NOTE)[0]


def one_line(entry: str, width: int) -> str:
    """*entry* on one line for a message: its SQL cut to *width*, then its notes."""
    sql, _, notes = entry.partition(NOTE)
    if sql.startswith(NOTE.lstrip()):  # the entry that counts the statements left out
        sql, notes = "", sql[len(NOTE.lstrip()):]
    short = " ".join(sql.split())[:width]
    if not notes:
        return short
    return f"{short} [{notes}]" if short else f"[{notes}]"


def recorded_head(statement: str, version_table: str) -> str | None:
    """The first word of *statement* if a revision's record lists it (see :data:`CHANGES`).

    Reads, session settings and the runner's own writes (the version table,
    the ledger, the lock) are not the revision's changes.
    """
    head = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else ""
    if head not in CHANGES or version_table in statement:
        return None
    if any(name in statement for name in OWN_TABLES):
        return None
    return head


_TIMES = re.compile(r"ran (once|([\d,]+) times)$")
_ROWS = re.compile(r"([\d,]+) row\(s\)$")
_CUT = re.compile(r"cut from [\d,]+ characters$")


def run_of(entry: str) -> Run | None:
    """The :class:`Run` a ledger *entry* was written from, or None when the entry does not
    say it whole: the one counting statements left out, one cut to fit, or one in flight.

    The inverse of :meth:`Run.text` (``run_of(run.text()) == run`` for a run that fits):
    what lets the runner carry on with a revision from its record.
    """
    if entry.startswith(NOTE.lstrip()) or is_in_flight(entry):
        return None
    sql, _, notes = entry.partition(NOTE)
    if not notes:
        return Run(sql)
    if _CUT.search(notes):
        return None
    times_note, _, rest = notes.partition(", ")
    times = _TIMES.match(times_note)
    if times is None:
        return None
    rows = None
    rows_note, _, after_rows = rest.partition(", ")
    found_rows = _ROWS.match(rows_note)
    if found_rows is not None:
        rows, rest = int(found_rows.group(1).replace(",", "")), after_rows
    count = 1 if times.group(2) is None else int(times.group(2).replace(",", ""))
    run = Run(sql, times=count, rows=rows, progress=rest)
    return run if run.text() == entry else None
