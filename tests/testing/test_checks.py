"""The check functions called in-process, as a user's own test would: results, not output.

The pytest plugin's tests run in subprocesses; these pin the results each check returns
and how ``describe`` words them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from example_projects import REVISIONS
from example_projects import load_app
from example_projects import write_project

from flask_remodel.testing import CheckResult
from flask_remodel.testing import check_data_kept
from flask_remodel.testing import check_models_match
from flask_remodel.testing import check_single_head
from flask_remodel.testing import check_up_down_up
from flask_remodel.testing import check_upgrade
from flask_remodel.testing import connected_runner
from flask_remodel.testing import run_checks
from flask_remodel.testing import scratch_database
from flask_remodel.testing.checks import FAILED
from flask_remodel.testing.checks import IRREVERSIBLE
from flask_remodel.testing.checks import PASSED
from flask_remodel.testing.checks import SKIPPED
from flask_remodel.testing.checks import describe
from flask_remodel.testing.runner import MigrationRunner

pytestmark = pytest.mark.backends("sqlite")


@contextmanager
def runner_for(
    tmp_path: Path, database_url: str, fault: str | None = None
) -> Iterator[MigrationRunner]:
    app = load_app(write_project(tmp_path, fault), database_url)
    with app.app_context():
        try:
            with scratch_database(database_url) as url, connected_runner(url) as runner:
                yield runner
        finally:
            found = app.extensions["sqlalchemy"]
            getattr(found, "db", found).engine.dispose()


def test_single_head(tmp_path: Path, database_url: str) -> None:
    with runner_for(tmp_path, database_url) as runner:
        assert check_single_head(runner) == CheckResult("single head", PASSED, detail="1 head(s)")
        two = check_single_head(runner, expected=2)
    assert two == CheckResult(
        "single head", FAILED, REVISIONS[5], "heads", f"expected 2 head(s), found 1: {REVISIONS[5]}"
    )


def test_two_heads_fail_with_the_merge_hint_unless_expected(
    tmp_path: Path, database_url: str
) -> None:
    with runner_for(tmp_path, database_url, "two heads") as runner:
        one = check_single_head(runner)
        two = check_single_head(runner, expected=2)
    heads = ", ".join(sorted([REVISIONS[4], REVISIONS[5]]))
    assert one == CheckResult(
        "single head",
        FAILED,
        None,
        "heads",
        f"expected 1 head(s), found 2: {heads} (run 'flask db merge heads')",
    )
    assert two.status == PASSED and two.detail == "2 head(s)"


def test_each_stairway_does_its_own_work(tmp_path: Path, database_url: str) -> None:
    seen: list[CheckResult] = []
    with runner_for(tmp_path, database_url) as runner:
        upgrades = check_upgrade(runner, report=seen.append)
        roundtrips = check_up_down_up(runner)
        data = check_data_kept(runner)
    assert [r.check for r in upgrades.results] == ["upgrade"] * len(REVISIONS)
    assert seen == upgrades.results  # each result reported as it is found
    assert {r.check for r in roundtrips.results} == {"upgrade", "up/down/up"}
    assert {r.check for r in data.results} == {"upgrade", "up/down/up", "data kept"}
    # Every revision upgrades; each but the irreversible last one comes back down and up.
    assert roundtrips.count(PASSED) == len(REVISIONS) + len(REVISIONS) - 1
    assert roundtrips.count(IRREVERSIBLE) == 1
    assert data.count("passed") > roundtrips.count("passed")  # plus a "data kept" each


def test_run_checks_reports_in_order_and_skips_models_after_a_failure(
    tmp_path: Path, database_url: str
) -> None:
    seen: list[CheckResult] = []
    with runner_for(tmp_path, database_url, "fails on existing rows") as runner:
        report = run_checks(runner, report=seen.append)
    assert report.results[0].check == "single head"
    assert report.results[-1] == CheckResult(
        "models match", SKIPPED, detail="the upgrade did not reach head"
    )
    assert seen == report.results
    assert [(r.revision, r.operation) for r in report.failures] == [(REVISIONS[4], "upgrade")]


def test_models_match_at_head_and_drift_is_listed(tmp_path: Path, database_url: str) -> None:
    (tmp_path / "clean").mkdir()
    with runner_for(tmp_path / "clean", database_url) as runner:
        clean = check_models_match(runner)
    assert clean == CheckResult("models match", PASSED, REVISIONS[5])
    (tmp_path / "drifted").mkdir()
    with runner_for(tmp_path / "drifted", database_url, "drifted models") as runner:
        drifted = check_models_match(runner)
    assert (drifted.status, drifted.revision, drifted.operation) == (
        FAILED,
        REVISIONS[5],
        "autogenerate",
    )
    assert "email" in drifted.detail


def test_models_match_says_when_the_upgrade_fails(tmp_path: Path, database_url: str) -> None:
    with runner_for(tmp_path, database_url, "downgrade fails") as runner:
        runner.connection.exec_driver_sql("CREATE TABLE account (id INTEGER PRIMARY KEY)")
        if hasattr(runner.connection, "commit"):  # SQLAlchemy 1.4 commits the DDL by itself
            runner.connection.commit()
        result = check_models_match(runner)
    assert (result.status, result.revision, result.operation) == (
        FAILED,
        REVISIONS[5],
        "upgrade to head",
    )
    assert result.detail.startswith("table account already exists")


def test_describe_words_each_status() -> None:
    failed = CheckResult("upgrade", FAILED, "a1", "upgrade", "no such table: x")
    assert describe(failed) == "FAILED       upgrade       a1            upgrade: no such table: x"
    gone = CheckResult("up/down/up", IRREVERSIBLE, "a5", "downgrade", "the bios were deleted")
    assert describe(gone) == (
        "IRREVERSIBLE up/down/up    a5            downgrade not run: the bios were deleted"
    )
    assert describe(CheckResult("single head", PASSED, detail="1 head(s)")) == (
        "PASSED       single head   -             1 head(s)"
    )
    masked = CheckResult("upgrade", FAILED, "a1", "upgrade", "postgresql://u:pw@h/db refused")
    assert "pw" not in describe(masked) and "u:***@h" in describe(masked)
