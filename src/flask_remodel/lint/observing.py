"""What ``flask db lint --verify`` observes on a server, whichever server it is.

The observation of one operation next to the linter's prediction, the state an
observer keeps, and the loop that runs every revision in the scratch schema or
database (:func:`run_all`). The servers' own observers are in
:mod:`.verify_postgresql` and :mod:`.verify_mysql`; :mod:`.verify` picks one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from typing import Protocol

import sqlalchemy as sa
from alembic.script import ScriptDirectory

from .history import lint_directory_sources
from .model import Finding
from .model import LintReport
from .recorder import Observer
from .recorder import quiet_context
from .recorder import record

_MODES = {
    "ACCESS EXCLUSIVE": "AccessExclusiveLock",
    "SHARE ROW EXCLUSIVE": "ShareRowExclusiveLock",
    "SHARE UPDATE EXCLUSIVE": "ShareUpdateExclusiveLock",
    "SHARE": "ShareLock",
    "EXCLUSIVE": "ExclusiveLock",
}
_STRENGTH = ["AccessShareLock", "RowShareLock", "RowExclusiveLock", "ShareUpdateExclusiveLock",
             "ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"]
SCRATCH_PREFIX = "remodel_verify_"
"""Names of the scratch schema (PostgreSQL) or database (MariaDB/MySQL) of a verification."""
ALGORITHMS = ["INSTANT", "NOCOPY", "INPLACE", "COPY"]
"""MariaDB/MySQL ALTER algorithms, cheapest first (what the MariaDB verification reports)."""


def rank(mode: str) -> int:
    """Strength of a lock mode or ALTER algorithm, for taking the strongest."""
    return (_STRENGTH + ALGORITHMS).index(mode) % len(_STRENGTH + ALGORITHMS)


def predicted_mode(lock: str | None) -> str | None:
    """The PostgreSQL lock mode a finding's ``lock`` text names (``SHARE on t ...``)."""
    if not lock:
        return None
    algorithm = re.match(r"ALGORITHM=(\w+)", lock)
    if algorithm:
        return algorithm.group(1)
    for words in sorted(_MODES, key=len, reverse=True):
        if re.match(rf"{words}\b", lock):
            return _MODES[words]
    return None


@dataclass
class Observation:
    """One operation as the server ran it, next to what the linter predicted."""

    revision: str
    path: str
    line: int
    what: str
    predicted_lock: str | None = None
    predicted_rewrite: bool = False
    locks: dict[str, str] = field(default_factory=dict)
    """table -> strongest lock mode newly taken on it (tables that existed before)."""
    rewritten: list[str] = field(default_factory=list)
    note: str | None = None

    @property
    def strongest(self) -> str | None:
        if not self.locks:
            return None
        return max(self.locks.values(), key=rank)

    @property
    def disagreement(self) -> str | None:
        """Why prediction and server differ, or None when they agree."""
        if self.note:
            return None
        if bool(self.rewritten) != self.predicted_rewrite:
            seen = f"rewrote {', '.join(self.rewritten)}" if self.rewritten else "rewrote nothing"
            said = "a rewrite" if self.predicted_rewrite else "no rewrite"
            return f"predicted {said}, the server {seen}"
        if self.predicted_lock in ALGORITHMS:
            # INSTANT and NOCOPY are both online and rebuild nothing; what matters
            # is whether writes are blocked for a copy.
            copied = "COPY" in self.locks.values()
            if (self.predicted_lock == "COPY") != copied:
                return f"predicted {self.predicted_lock}, the server took {self.strongest}"
            return None
        if self.predicted_lock and self.predicted_lock not in self.locks.values():
            return (f"predicted {self.predicted_lock}, the server took "
                    f"{self.strongest or 'no lock on an existing table'}")
        return None


@dataclass(kw_only=True)
class ObserverState:
    """What both servers' observers keep between operations."""

    measuring: bool = False
    observations: list[tuple[int, int, Observation]] = field(default_factory=list)
    pending: Observation | None = None
    existing: set[str] = field(default_factory=set)
    revision: str = ""
    path: str = ""

    def assign(self, first: int, end: int) -> None:
        """The recorded operations [first, end) came from the last ``run``."""
        if self.pending is not None:
            self.observations.append((first, end, self.pending))
            self.pending = None


def _predictions(report: LintReport) -> dict[tuple[str, int], list[Finding]]:
    found: dict[tuple[str, int], list[Finding]] = {}
    for finding in [*report.findings, *report.acknowledged]:
        if finding.op_index is not None:
            found.setdefault((finding.revision, finding.op_index), []).append(finding)
    return found


class ServerObserver(Observer, Protocol):
    measuring: bool
    revision: str
    path: str
    existing: set[str]
    observations: list[tuple[int, int, Observation]]

    def tables(self) -> set[str]:
        """The tables in the scratch schema/database now."""


def run_all(
    script_dir: ScriptDirectory, report: LintReport, connection: sa.engine.Connection,
    observer: ServerObserver,
) -> list[Observation]:
    """Each revision in a transaction of its own, committed into the scratch schema.

    Committing between revisions matters: a table's creator holds ACCESS
    EXCLUSIVE on it until COMMIT, which would hide every later lock on it.
    """
    linted = set(report.revisions)
    predictions = _predictions(report)
    context = quiet_context(connection=connection)
    observations: list[Observation] = []
    for source in lint_directory_sources(script_dir):
        observer.measuring = source.revision in linted
        observer.revision, observer.path = source.revision, source.path
        with connection.begin():
            observer.existing = observer.tables()
            recorded = record(source, report.target, (context, None), observer=observer)
        for first, end, seen in observer.observations:
            said = [f for i in range(first, end)
                    for f in predictions.get((source.revision, i), [])]
            seen.predicted_rewrite = any(f.rewrites for f in said)
            modes = [m for m in (predicted_mode(f.lock) for f in said) if m]
            seen.predicted_lock = max(modes, key=rank) if modes else None
            if first < len(recorded.ops):
                seen.line = recorded.ops[first].line
                seen.what = _describe(recorded.ops[first].operation)
            observations.append(seen)
        observer.observations.clear()
    return observations


def _describe(operation: Any) -> str:
    name = type(operation).__name__.replace("Op", "")
    table = getattr(operation, "table_name", None) or getattr(operation, "table", None) or ""
    return f"{name} {table}".strip()


def disagreements(observations: Iterable[Observation]) -> list[Observation]:
    return [o for o in observations if o.disagreement is not None]
