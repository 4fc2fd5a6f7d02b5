"""The stairway's results, revision by revision, against a scripted runner on SQLite.

The example projects of ``test_checks.py`` plant one fault each through real revision
files; here a stand-in runner plays revisions that fail exactly where a test wants
(a second upgrade, a downgrade that raises through another error ...), so every result
the stairway can give is pinned, with its check, revision, operation and detail.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from typing import cast

import pytest
import sqlalchemy as sa

from flask_remodel.errors import IrreversibleMigrationError
from flask_remodel.errors import RemodelError
from flask_remodel.testing import CheckResult
from flask_remodel.testing import check_data_kept
from flask_remodel.testing import check_models_match
from flask_remodel.testing import check_up_down_up
from flask_remodel.testing import check_upgrade
from flask_remodel.testing.checks import DATA
from flask_remodel.testing.checks import FAILED
from flask_remodel.testing.checks import IRREVERSIBLE
from flask_remodel.testing.checks import MODELS
from flask_remodel.testing.checks import PASSED
from flask_remodel.testing.checks import UP_DOWN_UP
from flask_remodel.testing.checks import UPGRADE
from flask_remodel.testing.checks import CheckReport
from flask_remodel.testing.checks import Stairway
from flask_remodel.testing.checks import describe
from flask_remodel.testing.rows import RowGenerator

pytestmark = pytest.mark.backends("sqlite")

Action = list[str] | Callable[[], None]


@dataclass
class Step:
    """A revision: SQL to run up and down, or a callable that raises instead."""

    revision: str
    up: Action
    down: Action
    doc: str | None = None
    up_again: BaseException | None = None  # raised by the second upgrade
    ups: int = 0


@dataclass
class ScriptedRunner:
    """What the stairway asks of a MigrationRunner, on an in-memory SQLite database."""

    steps: list[Step]
    head_names: list[str] = field(default_factory=list)
    diffs: list[Any] = field(default_factory=list)
    upgrade_error: BaseException | None = None
    applied: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.connection = sa.create_engine("sqlite://").connect()
        self.rows = RowGenerator(seed=1)

    def _run(self, action: Action) -> None:
        if callable(action):
            action()
            return
        with self.connection.begin():
            for statement in action:
                self.connection.exec_driver_sql(statement)

    def revisions(self) -> list[Step]:
        return self.steps

    def current(self) -> tuple[str, ...]:
        return tuple(self.applied[-1:])

    def heads(self) -> list[str]:
        return self.head_names or [self.steps[-1].revision]

    def reset(self) -> None:
        with self.connection.begin():
            tables = sa.MetaData()
            tables.reflect(self.connection)
            tables.drop_all(self.connection)
        self.applied.clear()

    def step_up(self, step: Step) -> None:
        step.ups += 1
        if step.ups > 1 and step.up_again is not None:
            raise step.up_again
        self._run(step.up)
        self.applied.append(step.revision)

    def step_down(self, step: Step) -> None:
        self._run(step.down)
        self.applied.remove(step.revision)

    def upgrade(self, target: str = "heads") -> None:
        if self.upgrade_error is not None:
            raise self.upgrade_error

    def model_differences(self) -> list[Any]:
        return self.diffs


def _stairway(runner: ScriptedRunner, *, roundtrip: bool, data: bool) -> CheckReport:
    return Stairway(cast(Any, runner), roundtrip=roundtrip, data=data, report=None).run()


def _raises(exc: BaseException) -> Callable[[], None]:
    def run() -> None:
        raise exc

    return run


CREATE_NOTE = ["CREATE TABLE note (id INTEGER PRIMARY KEY, body VARCHAR(20))"]
DROP_NOTE = ["DROP TABLE note"]
ADD_STARS = ["ALTER TABLE note ADD COLUMN stars INTEGER"]
DROP_STARS = ["ALTER TABLE note DROP COLUMN stars"]


def test_a_data_stairway_gives_each_result_in_order_and_reports_each() -> None:
    runner = ScriptedRunner([
        Step("r1", CREATE_NOTE, DROP_NOTE, doc="Create note"),
        Step("r2", ADD_STARS, DROP_STARS),  # no docstring: an empty detail
        Step("r3", ["UPDATE note SET stars = 1"], _raises(IrreversibleMigrationError())),
    ])
    seen: list[CheckResult] = []
    report = check_data_kept(cast(Any, runner), report=seen.append)
    assert report.results == [
        CheckResult(UPGRADE, PASSED, "r1", detail="Create note"),
        CheckResult(DATA, PASSED, "r1"),
        CheckResult(UP_DOWN_UP, PASSED, "r1"),
        CheckResult(UPGRADE, PASSED, "r2", detail=""),
        CheckResult(DATA, PASSED, "r2"),
        CheckResult(UP_DOWN_UP, PASSED, "r2"),
        CheckResult(UPGRADE, PASSED, "r3", detail=""),
        # Not run down, so no rows were checked after a downgrade.
        CheckResult(UP_DOWN_UP, IRREVERSIBLE, "r3", "downgrade", "marked irreversible"),
    ]
    assert seen == report.results
    assert report.not_run == 0


def test_up_down_up_reports_each_result_as_found() -> None:
    runner = ScriptedRunner([Step("r1", CREATE_NOTE, DROP_NOTE, doc="Create note")])
    seen: list[CheckResult] = []
    report = check_up_down_up(cast(Any, runner), report=seen.append)
    assert [r.check for r in report.results] == [UPGRADE, UP_DOWN_UP]
    assert seen == report.results


def test_a_data_stairway_without_round_trips_checks_rows_after_each_upgrade() -> None:
    runner = ScriptedRunner([
        Step("r1", CREATE_NOTE, DROP_NOTE, doc="Create note"),
        Step("r2", ADD_STARS, _raises(RuntimeError("never run down"))),
    ])
    report = _stairway(runner, roundtrip=False, data=True)
    assert [(r.check, r.status, r.revision) for r in report.results] == [
        (UPGRADE, PASSED, "r1"), (DATA, PASSED, "r1"),
        (UPGRADE, PASSED, "r2"), (DATA, PASSED, "r2"),
    ]


def _bare_orig(message: str) -> sa.exc.OperationalError:
    return sa.exc.OperationalError("SELECT 1", {}, Exception(message))


@pytest.mark.parametrize(
    ("error", "detail"),
    [
        (ValueError("boom\nsecond line"), "ValueError: boom"),
        (RemodelError("the revision said no\nwhy"), "the revision said no"),
        (_bare_orig("no such table: x"), "no such table: x"),
        (_bare_orig(""), "OperationalError"),  # the driver gave no words
        (
            ValueError("cannot reach postgresql://u:pw@h/db"),
            "ValueError: cannot reach postgresql://u:***@h/db",
        ),
    ],
)
def test_a_failed_upgrade_says_why_in_one_line_and_stops(error: Exception, detail: str) -> None:
    runner = ScriptedRunner([
        Step("r1", _raises(error), DROP_NOTE),
        Step("r2", ADD_STARS, DROP_STARS),
        Step("r3", [], []),
    ])
    report = check_upgrade(cast(Any, runner))
    assert report.results == [CheckResult(UPGRADE, FAILED, "r1", "upgrade", detail)]
    assert report.not_run == 2


def test_an_upgrade_that_fails_the_second_time_is_a_round_trip_failure() -> None:
    runner = ScriptedRunner([
        Step("r1", CREATE_NOTE, DROP_NOTE, doc="Create note", up_again=RuntimeError("again")),
        Step("r2", ADD_STARS, DROP_STARS),
    ])
    report = check_up_down_up(cast(Any, runner))
    assert report.results == [
        CheckResult(UPGRADE, PASSED, "r1", detail="Create note"),
        CheckResult(UP_DOWN_UP, FAILED, "r1", "upgrade again", "RuntimeError: again"),
    ]
    assert report.not_run == 1


def _irreversible_inside(how: str) -> Callable[[], None]:
    def down() -> None:
        try:
            raise IrreversibleMigrationError("the stars were summed")
        except IrreversibleMigrationError as exc:
            if how == "cause":
                raise RuntimeError("wrapped") from exc
            raise RuntimeError("wrapped")  # noqa: B904 -- the context is what is tested

    return down


@pytest.mark.parametrize("how", ["cause", "context"])
def test_an_irreversible_downgrade_is_found_inside_another_error(how: str) -> None:
    runner = ScriptedRunner([Step("r1", CREATE_NOTE, _irreversible_inside(how))])
    report = check_up_down_up(cast(Any, runner))
    assert report.results[-1] == CheckResult(
        UP_DOWN_UP, IRREVERSIBLE, "r1", "downgrade", "the stars were summed"
    )


def test_an_irreversible_downgrade_that_changed_the_schema_fails() -> None:
    def create_then_raise() -> None:
        with runner.connection.begin():
            runner.connection.exec_driver_sql("CREATE TABLE leftover (id INTEGER PRIMARY KEY)")
        raise IrreversibleMigrationError("the stars were summed")

    runner = ScriptedRunner([Step("r1", CREATE_NOTE, create_then_raise)])
    report = check_up_down_up(cast(Any, runner))
    assert report.results[-1] == CheckResult(
        UP_DOWN_UP, FAILED, "r1", "downgrade",
        "it raised IrreversibleMigrationError after changing the database",
    )


def test_a_downgrade_that_leaves_tables_lists_each() -> None:
    up = [*CREATE_NOTE, "CREATE TABLE tag (id INTEGER PRIMARY KEY)"]
    runner = ScriptedRunner([Step("r1", up, [])])
    report = check_up_down_up(cast(Any, runner))
    assert report.results[-1] == CheckResult(
        UP_DOWN_UP, FAILED, "r1", "schema after downgrade",
        "table note is left behind; table tag is left behind",
    )


def test_rows_an_upgrade_deletes_fail_the_data_check_and_stop() -> None:
    both = [*CREATE_NOTE, "CREATE TABLE tag (id INTEGER PRIMARY KEY, name VARCHAR(9))"]
    runner = ScriptedRunner([
        Step("r1", both, ["DROP TABLE tag", *DROP_NOTE]),
        Step("r2", ["DELETE FROM note", "DELETE FROM tag"], []),
        Step("r3", ADD_STARS, DROP_STARS),
    ])
    report = check_data_kept(cast(Any, runner))
    last = report.results[-1]
    assert (last.check, last.status, last.revision, last.operation) == (
        DATA, FAILED, "r2", "rows kept by upgrade"
    )
    assert re.fullmatch(r"lost (\d+) of \1 rows of note, (\d+) of \2 rows of tag", last.detail)
    assert report.not_run == 1


def test_a_stairway_on_a_database_with_tables_but_no_revision_starts_from_empty() -> None:
    runner = ScriptedRunner([Step("r1", CREATE_NOTE, DROP_NOTE)])
    with runner.connection.begin():
        runner.connection.exec_driver_sql(CREATE_NOTE[0])
    report = check_upgrade(cast(Any, runner))
    assert report.results == [CheckResult(UPGRADE, PASSED, "r1", detail="")]


def test_models_match_names_every_head_and_lists_every_difference() -> None:
    columns = [sa.Column("email", sa.String(20)), sa.Column("age", sa.Integer)]
    runner = ScriptedRunner(
        [Step("r1", CREATE_NOTE, DROP_NOTE)],
        head_names=["h1", "h2"],
        diffs=[("add_column", None, "note", column) for column in columns],
    )
    result = check_models_match(cast(Any, runner))
    assert (result.check, result.status, result.revision, result.operation) == (
        MODELS, FAILED, "h1,h2", "autogenerate"
    )
    assert result.detail == "add_column note.email VARCHAR(20); add_column note.age INTEGER"
    runner.upgrade_error = RuntimeError("no way up")
    assert check_models_match(cast(Any, runner)) == CheckResult(
        MODELS, FAILED, "h1,h2", "upgrade to head", "RuntimeError: no way up"
    )


class _StoredPerDatabase(sa.types.TypeDecorator[str]):
    """INTEGER on SQLite, VARCHAR(20) elsewhere: how a difference reads depends on the database."""

    impl = sa.String(20)
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.engine.Dialect) -> sa.types.TypeEngine[object]:
        chosen = sa.Integer() if dialect.name == "sqlite" else sa.String(20)
        return dialect.type_descriptor(chosen)


def test_models_match_words_types_as_the_database_writes_them() -> None:
    column = sa.Column("code", _StoredPerDatabase())
    runner = ScriptedRunner(
        [Step("r1", CREATE_NOTE, DROP_NOTE)], diffs=[("add_column", None, "note", column)]
    )
    assert check_models_match(cast(Any, runner)).detail == "add_column note.code INTEGER"


def test_describe_leaves_no_trailing_spaces() -> None:
    assert describe(CheckResult(UP_DOWN_UP, PASSED, "a1")) == "PASSED       up/down/up    a1"
