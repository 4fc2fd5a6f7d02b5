"""The pytest plugin end to end: example projects, each with one planted fault, on every backend.

Each run is a pytest subprocess in a folder holding only the project, with the
plugin loaded the way users get it (the ``pytest11`` entry point) and switched
on with ``--remodel-checks``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from example_projects import FAULTS
from example_projects import REVISIONS
from example_projects import write_project

_CHECK_TESTS = {
    "single head": "single_head",
    "upgrade": "stairway",
    "up/down/up": "stairway",
    "data kept": "stairway",
    "models match": "models_match",
}

_USER_CONFTEST = 'pytest_plugins = ["flask_remodel.testing.fixtures"]\n'

_USER_TEST = '''
from flask_remodel.testing import check_models_match


def test_rows_inserted_at_a_revision_survive_the_next(remodel_runner):
    remodel_runner.migrate_to("{r3}")
    remodel_runner.insert("account", [{{"name": "ada", "nickname": None, "bio": "x"}}])
    remodel_runner.upgrade("{r4}")
    assert [r["nickname"] for r in remodel_runner.table_rows("account")] == ["ada"]
    remodel_runner.migrate_to("{r2}")
    assert remodel_runner.current() == ("{r2}",)


def test_models_match_at_head(remodel_runner):
    assert check_models_match(remodel_runner).status == "passed"
'''


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(
        "--remodel-app", "app:create_app()", "-p", "no:cacheprovider", *args
    )


@pytest.fixture
def project(pytester: pytest.Pytester, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("REMODEL_EXAMPLE_URL", database_url)
    return pytester.path


def test_clean_project_passes_and_fixtures_work(
    pytester: pytest.Pytester, project: Path, database_url: str
) -> None:
    write_project(project)
    pytester.makeconftest(_USER_CONFTEST)
    user_test = _USER_TEST.format(r2=REVISIONS[2], r3=REVISIONS[3], r4=REVISIONS[4])
    pytester.makepyfile(test_user=user_test)
    result = _run(pytester, "--remodel-checks", "-v")
    result.assert_outcomes(passed=5)
    result.stdout.fnmatch_lines(
        ["*remodel::single_head PASSED*", "*remodel::stairway PASSED*",
         "*remodel::models_match PASSED*"]
    )


def test_without_the_option_nothing_is_added(
    pytester: pytest.Pytester, project: Path, database_url: str
) -> None:
    write_project(project, "two heads")
    pytester.makepyfile(test_plain="def test_one():\n    pass\n")
    result = _run(pytester, "-v")
    result.assert_outcomes(passed=1)
    assert "remodel::" not in result.stdout.str()


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_planted_fault_is_found_with_its_revision(
    pytester: pytest.Pytester, project: Path, database_url: str, fault: str
) -> None:
    write_project(project, fault)
    expected = FAULTS[fault]
    result = _run(pytester, "--remodel-checks", "-v")
    result.assert_outcomes(passed=2, failed=1)
    failing = _CHECK_TESTS[expected.check]
    result.stdout.fnmatch_lines([f"*remodel::{failing} FAILED*"])
    report = result.stdout.str()
    # The failure shows the result lines: "FAILED  <check>  <revision or ->  <operation>: <detail>".
    pattern = re.compile(rf"^FAILED\s+{re.escape(expected.check)}\s+(\S+)\s+(.*)$", re.M)
    found = pattern.findall(report)
    assert len(found) == 1, report
    revision, detail = found[0]
    assert revision == (expected.revision or "-")
    assert detail.startswith(f"{expected.operation}: ")
    assert expected.says in detail


def test_expected_heads_option(pytester: pytest.Pytester, project: Path) -> None:
    write_project(project, "two heads")
    result = _run(pytester, "--remodel-checks", "--remodel-heads", "2", "-v")
    result.assert_outcomes(passed=3)
