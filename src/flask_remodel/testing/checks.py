"""The built-in migration checks, as plain functions returning results.

Each takes a :class:`~flask_remodel.testing.runner.MigrationRunner` and returns
:class:`CheckResult` objects; none raises for a fault it finds, so a test can
assert on them and the CLI can print them all. :func:`run_checks` runs every
check in one pass over the revisions (the stairway), which is what
``flask db test`` does.

A revision whose ``downgrade()`` raises
:class:`~flask_remodel.errors.IrreversibleMigrationError` is reported as
irreversible, not failed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field

import sqlalchemy as sa
from alembic.script import Script

from ..api._diffs import describe_diff
from ..errors import IrreversibleMigrationError
from ..errors import RemodelError
from ..errors import exception_chain
from ..urls import mask_passwords
from .rows import Keys
from .rows import primary_keys
from .runner import MigrationRunner
from .schema import differences
from .schema import reflect
from .schema import shape

PASSED = "passed"
FAILED = "failed"
IRREVERSIBLE = "irreversible"
SKIPPED = "skipped"

SINGLE_HEAD = "single head"
UPGRADE = "upgrade"
UP_DOWN_UP = "up/down/up"
DATA = "data kept"
MODELS = "models match"


@dataclass(frozen=True)
class CheckResult:
    """One check on one revision (``revision`` is ``None`` for whole-history checks)."""

    check: str
    status: str
    revision: str | None = None
    operation: str = ""
    """What failed: ``upgrade``, ``downgrade``, ``schema after downgrade`` ..."""
    detail: str = ""
    """The database error or the differences found; the reason for other statuses."""

    @property
    def failed(self) -> bool:
        return self.status == FAILED


@dataclass
class CheckReport:
    """Every result of a run, in order, and how many revisions were not reached."""

    results: list[CheckResult] = field(default_factory=list)
    not_run: int = 0

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def failures(self) -> list[CheckResult]:
        return [r for r in self.results if r.failed]

    @property
    def ok(self) -> bool:
        return not self.failures


Report = Callable[[CheckResult], None]


def describe(result: CheckResult) -> str:
    """*result* as one line: status, check, revision, then what was found."""
    what = f"{result.operation}: {result.detail}" if result.failed else result.detail
    if result.status == IRREVERSIBLE:
        what = f"downgrade not run: {result.detail}"
    text = f"{result.status.upper():<12} {result.check:<13} {result.revision or '-':<13} {what}"
    return mask_passwords(text.rstrip())


def _reason(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    if orig is not None:
        text = str(orig)
    elif isinstance(exc, RemodelError):
        text = exc.message
    else:
        text = f"{type(exc).__name__}: {exc}"
    lines = text.strip().splitlines()
    return mask_passwords(lines[0] if lines else type(exc).__name__)


def _irreversible(exc: BaseException) -> IrreversibleMigrationError | None:
    chain = exception_chain(exc)
    return next((e for e in chain if isinstance(e, IrreversibleMigrationError)), None)


def _attempt(action: Callable[[], None]) -> BaseException | None:
    try:
        action()
    except Exception as exc:  # a revision may raise anything; it is the finding
        return exc
    return None


def check_single_head(runner: MigrationRunner, expected: int = 1) -> CheckResult:
    """The history has *expected* heads (one, unless branches are meant to stay apart)."""
    heads = runner.heads()
    if len(heads) == expected:
        return CheckResult(SINGLE_HEAD, PASSED, detail=f"{len(heads)} head(s)")
    return CheckResult(
        SINGLE_HEAD,
        FAILED,
        heads[0] if len(heads) == 1 else None,
        "heads",
        f"expected {expected} head(s), found {len(heads)}: {', '.join(sorted(heads))}"
        + (" (run 'flask db merge heads')" if len(heads) > expected else ""),
    )


def check_models_match(runner: MigrationRunner) -> CheckResult:
    """At head, autogenerate finds no difference between the database and the models."""
    error = _attempt(lambda: runner.upgrade("heads"))
    heads = ",".join(runner.heads()) or None
    if error is not None:
        return CheckResult(MODELS, FAILED, heads, "upgrade to head", _reason(error))
    diffs = runner.model_differences()
    if diffs:
        listing = "; ".join(describe_diff(d, runner.connection.dialect) for d in diffs)
        return CheckResult(MODELS, FAILED, heads, "autogenerate", listing)
    return CheckResult(MODELS, PASSED, heads)


def check_upgrade(runner: MigrationRunner, report: Report | None = None) -> CheckReport:
    """From an empty database, every revision upgrades, one at a time."""
    return Stairway(runner, roundtrip=False, data=False, report=report).run()


def check_up_down_up(runner: MigrationRunner, report: Report | None = None) -> CheckReport:
    """Every revision upgrades, downgrades to the same schema, and upgrades again."""
    return Stairway(runner, roundtrip=True, data=False, report=report).run()


def check_data_kept(runner: MigrationRunner, report: Report | None = None) -> CheckReport:
    """With generated rows at each revision, upgrades and downgrades keep them."""
    return Stairway(runner, roundtrip=True, data=True, report=report).run()


def run_checks(
    runner: MigrationRunner, expected_heads: int = 1, report: Report | None = None
) -> CheckReport:
    """Every built-in check: heads, the stairway with data and up/down/up, models at head."""
    result = check_single_head(runner, expected_heads)
    if report is not None:
        report(result)
    stairway = Stairway(runner, roundtrip=True, data=True, report=report).run()
    stairway.results.insert(0, result)
    if stairway.failures:  # the scratch database is not at a head it can trust
        last = CheckResult(MODELS, SKIPPED, detail="the upgrade did not reach head")
    else:
        last = check_models_match(runner)
    stairway.results.append(last)
    if report is not None:
        report(last)
    return stairway


class Stairway:
    """One pass from base to head, a revision at a time, checking as it goes.

    It stops at the first failure: after one, the scratch database is in a
    state no later check could trust.
    """

    def __init__(
        self, runner: MigrationRunner, roundtrip: bool, data: bool, report: Report | None
    ) -> None:
        self.runner = runner
        self.roundtrip = roundtrip
        self.data = data
        self.report = report
        self.outcome = CheckReport()

    def _add(self, result: CheckResult) -> bool:
        self.outcome.results.append(result)
        if self.report is not None:
            self.report(result)
        return not result.failed

    def run(self) -> CheckReport:
        if self.runner.current() or reflect(self.runner.connection).tables:
            self.runner.reset()  # a stairway starts from an empty database
        revisions = self.runner.revisions()
        state = self._reflect()
        for position, revision in enumerate(revisions):
            carry_on, state = self._step(revision, state)
            if not carry_on:
                self.outcome.not_run = len(revisions) - position - 1
                break
        return self.outcome

    def _reflect(self) -> sa.MetaData | None:
        """The tables now; reflected once per schema state, only if a check needs them."""
        return reflect(self.runner.connection) if self.roundtrip or self.data else None

    def _keys(self, tables: sa.MetaData | None) -> Keys:
        if not self.data or tables is None:
            return {}
        return primary_keys(self.runner.connection, tables)

    def _step(
        self, revision: Script, before: sa.MetaData | None
    ) -> tuple[bool, sa.MetaData | None]:
        """Check one revision: go on or not, and the tables after its upgrade."""
        rev = revision.revision
        if self.data:
            self.runner.rows.seed_database(self.runner.connection, before)
        keys = self._keys(before)
        error = _attempt(lambda: self.runner.step_up(revision))
        if error is not None:
            self._add(CheckResult(UPGRADE, FAILED, rev, "upgrade", _reason(error)))
            return False, None
        self._add(CheckResult(UPGRADE, PASSED, rev, detail=revision.doc or ""))
        after = self._reflect()
        if self.data and not self._rows_kept(rev, keys, self._keys(after), "upgrade"):
            return False, None
        if self.roundtrip and before is not None:
            return self._round_trip(revision, before, keys, after), after
        return True, after

    def _round_trip(
        self, revision: Script, before: sa.MetaData, keys: Keys, after: sa.MetaData | None
    ) -> bool:
        rev = revision.revision
        error = _attempt(lambda: self.runner.step_down(revision))
        if error is not None:
            irreversible = _irreversible(error)
            if irreversible is None:
                return self._add(CheckResult(UP_DOWN_UP, FAILED, rev, "downgrade", _reason(error)))
            # Irreversible is a promise that the downgrade touched nothing: a schema or version
            # left half way down is a failure, whatever the exception says.
            if rev not in self.runner.current() or self._changed_since(after):
                return self._add(
                    CheckResult(
                        UP_DOWN_UP, FAILED, rev, "downgrade",
                        "it raised IrreversibleMigrationError after changing the database",
                    )
                )
            reason = irreversible.reason or "marked irreversible"
            return self._add(CheckResult(UP_DOWN_UP, IRREVERSIBLE, rev, "downgrade", reason))
        restored = reflect(self.runner.connection)
        dialect = self.runner.connection.dialect
        changed = differences(shape(before, dialect), shape(restored, dialect))
        if changed:
            detail = "; ".join(changed)
            return self._add(
                CheckResult(UP_DOWN_UP, FAILED, rev, "schema after downgrade", detail)
            )
        if self.data and not self._rows_kept(rev, keys, self._keys(restored), "downgrade"):
            return False
        error = _attempt(lambda: self.runner.step_up(revision))
        if error is not None:
            return self._add(CheckResult(UP_DOWN_UP, FAILED, rev, "upgrade again", _reason(error)))
        return self._add(CheckResult(UP_DOWN_UP, PASSED, rev))

    def _changed_since(self, tables: sa.MetaData | None) -> bool:
        if tables is None:
            return False
        dialect = self.runner.connection.dialect
        now = reflect(self.runner.connection)
        return bool(differences(shape(tables, dialect), shape(now, dialect)))

    def _rows_kept(self, rev: str, before: Keys, now: Keys, op: str) -> bool:
        lost = []
        for table, (columns, keys) in sorted(before.items()):
            # A table dropped, or whose key changed, is the revision's intent, not a loss.
            if table in now and now[table][0] == columns and keys - now[table][1]:
                lost.append(f"{len(keys - now[table][1])} of {len(keys)} rows of {table}")
        if lost:
            detail = f"lost {', '.join(lost)}"
            return self._add(CheckResult(DATA, FAILED, rev, f"rows kept by {op}", detail))
        if op == "downgrade" or not self.roundtrip:
            self._add(CheckResult(DATA, PASSED, rev))
        return True
