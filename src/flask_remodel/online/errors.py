"""Errors of the online-upgrade layer (part of the RemodelError hierarchy).

::

    RemodelError
    ├─ ConfigurationError
    │  └─ SettingsError
    │     └─ LockPolicyError       LockPolicy.from_config: a REMODEL_LOCK_* /
    │                              REMODEL_STATEMENT_TIMEOUT value is wrong
    └─ MigrationFailedError
       ├─ LockTimeoutError         exit 7: a statement never got its lock; names the blocker
       ├─ TableCopyRefusedError    MariaDB/MySQL would copy the table to do this ALTER,
       │                           and pt-online-schema-change is not there to do it
       ├─ TableCopyFailedError     pt-online-schema-change stopped; its leftovers removed
       ├─ ConstraintValidationError  existing rows break a constraint added online
       └─ BackfillError            a batched backfill stopped; what it did is kept
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import MigrationFailedError
from ..errors import SettingsError


class LockPolicyError(SettingsError):
    """A lock-timeout setting of the mapping given to ``LockPolicy.from_config`` is not usable.

    An app's commands check every setting first and raise a plain
    :class:`~flask_remodel.errors.SettingsError`.
    """


@dataclass(frozen=True)
class Blocker:
    """A database session that held the lock a migration statement waited for."""

    pid: int
    state: str
    query: str
    since: str = ""
    user: str = ""

    def describe(self) -> str:
        query = " ".join(self.query.split())
        if len(query) > 200:
            query = query[:197] + "..."
        who = f"process {self.pid}" + (f" ({self.user})" if self.user else "")
        when = f" since {self.since}" if self.since else ""
        return f"{who}, {self.state or 'unknown state'}{when}, last query: {query or '(none)'}"


class LockTimeoutError(MigrationFailedError):
    """A statement kept timing out waiting for a lock; the revision was not applied."""

    exit_code = 7

    def __init__(
        self,
        statement: str,
        attempts: int,
        lock_timeout_ms: int,
        blockers: Sequence[Blocker],
        kept: bool,
    ) -> None:
        self.statement = statement
        self.attempts = attempts
        self.lock_timeout_ms = lock_timeout_ms
        self.blockers = tuple(blockers)
        short = " ".join(statement.split())
        if len(short) > 120:
            short = short[:117] + "..."
        if self.blockers:
            held = "blocked by " + "; ".join(b.describe() for b in self.blockers)
        else:
            held = "the blocking session had finished before it could be named"
        reason = (
            f"'{short}' waited for a lock {attempts} time(s), {lock_timeout_ms} ms each; "
            f"{held}. End or wait for that session, or raise REMODEL_LOCK_RETRIES / "
            "REMODEL_LOCK_TIMEOUT, then run the upgrade again"
        )
        super().__init__(None, reason, kept)


INSTALL_PT_OSC = (
    "install Percona's pt-online-schema-change (Debian/Ubuntu: 'apt-get install "
    "percona-toolkit') or name it with REMODEL_PT_OSC, and Flask-Remodel copies the table "
    "through it without blocking writes"
)


class TableCopyRefusedError(MigrationFailedError):
    """The server can only do this ALTER by copying the table, which blocks writes.

    Raised when pt-online-schema-change is not there to do the copy instead
    (*missing* says why), or for an operation that is not sent through it.
    """

    def __init__(self, table: str, what: str, detail: str, missing: str = "") -> None:
        self.table = table
        self.missing = missing
        way = (
            f"{missing}: {INSTALL_PT_OSC}; or use" if missing
            else "Use"
        )
        super().__init__(
            None,
            f"{what} on table '{table}' cannot run in place on this server ({detail}), and "
            "copying the table would block writes for as long as the copy takes. "
            f"{way} an expand/contract change (op.expand_column), or the plain operation "
            "in a maintenance window",
            kept=True,
        )


class TableCopyFailedError(MigrationFailedError):
    """pt-online-schema-change stopped.

    Before the swap (*swapped* False) the original table is untouched (pt-osc
    only ever wrote to its copy), and the copy and triggers it made are gone
    by the time this is raised: *removed* lists those Flask-Remodel had to
    drop itself, or says why it could not. After the swap, the table is the
    altered copy, with every row, and what is left could not be removed.
    """

    def __init__(
        self, table: str, status: int, output: str, removed: str = "", swapped: bool = False,
    ) -> None:
        self.table = table
        self.status = status
        self.output = output
        self.swapped = swapped
        cleaned = f"; removed what it left ({removed})" if removed else ""
        state = (
            f"It had swapped in the altered table, which has every row{cleaned}"
            if swapped else f"The table and its rows are as they were{cleaned}"
        )
        super().__init__(
            None,
            f"pt-online-schema-change stopped altering '{table}' (exit status {status}): "
            f"{output or 'no message'}. {state}",
            kept=True,
        )


class ConstraintValidationError(MigrationFailedError):
    """Rows already in the table break a constraint that was being added online."""

    def __init__(self, constraint: str, table: str, detail: str) -> None:
        self.constraint = constraint
        self.table = table
        super().__init__(
            None,
            f"existing rows of '{table}' break constraint '{constraint}' ({detail}); the "
            "constraint was removed again. Fix those rows (op.backfill can do it in "
            "batches), then run the upgrade again",
            kept=True,
        )


class BackfillError(MigrationFailedError):
    """A batched backfill stopped part-way; finished batches stay committed."""

    def __init__(self, table: str, updated: int, reason: str, kept: bool = True) -> None:
        self.table = table
        self.updated = updated
        self.resumable_table = table if kept else None
        then = (
            "The rows already updated stay updated; once the cause is fixed, run the upgrade "
            "again to continue where it stopped"
            if kept else "Fix the cause and run the upgrade again"
        )
        # Its batches commit as they go, by design, on every server: not the
        # "repair the schema by hand" of a revision whose DDL committed midway.
        super().__init__(
            None, f"the backfill of '{table}' stopped after {updated} row(s): {reason}. {then}",
            kept=False, commits_midway=kept,
        )
