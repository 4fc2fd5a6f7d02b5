"""``flask db test`` in-process: its lines, summary, exit codes and error line, on every backend."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import Result
from example_projects import FAULTS
from example_projects import REVISIONS
from example_projects import load_app
from example_projects import write_project

from support import table_names

_LINE = re.compile(
    r"^(PASSED|FAILED|IRREVERSIBLE|SKIPPED)\s+"
    r"(single head|upgrade|up/down/up|data kept|models match)\s+(\S+)\s*(.*)$"
)


def _invoke(folder: Path, url: str, *args: str) -> Result:
    app = load_app(folder, url)
    try:
        return app.test_cli_runner().invoke(args=["db", "test", *args])
    finally:
        with app.app_context():
            found = app.extensions["sqlalchemy"]
            getattr(found, "db", found).engine.dispose()  # Flask-SQLAlchemy 2.5 keeps a state


def _lines(output: str) -> list[tuple[str, str, str, str]]:
    found = []
    for text in output.splitlines():
        match = _LINE.match(text)
        if match:
            status, check, revision, rest = match.groups()
            found.append((status, check.strip(), revision, rest))
    return found


def test_clean_project_passes_with_one_line_per_revision_and_check(
    tmp_path: Path, database_url: str
) -> None:
    result = _invoke(write_project(tmp_path), database_url)
    assert result.exit_code == 0, result.output
    lines = _lines(result.output)
    assert lines[0][:2] == ("PASSED", "single head")
    for number, revision in REVISIONS.items():
        mine = [(status, check) for status, check, rev, _ in lines if rev == revision]
        expected_last = ("IRREVERSIBLE" if number == 5 else "PASSED", "up/down/up")
        assert ("PASSED", "upgrade") in mine and expected_last in mine, result.output
    assert lines[-1][:3] == ("PASSED", "models match", REVISIONS[5])
    assert "the bios were deleted" in result.output
    summary = result.output.strip().splitlines()[-1]
    assert summary == f"{len(lines) - 1} passed, 0 failed, 1 irreversible, 0 skipped."
    # The app's own database was never touched.
    assert table_names(database_url) == []


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_fault_exits_1_naming_revision_operation_and_error(
    tmp_path: Path, database_url: str, fault: str
) -> None:
    expected = FAULTS[fault]
    result = _invoke(write_project(tmp_path, fault), database_url)
    assert result.exit_code == 1, result.output
    failed = [line for line in _lines(result.output) if line[0] == "FAILED"]
    assert [(check, rev) for _, check, rev, _ in failed] == [
        (expected.check, expected.revision or "-")
    ]
    error = result.output.strip().splitlines()[-1]
    where = f"at revision {expected.revision}, " if expected.revision else "("
    assert error.startswith(f"Error: Migration test failed {where}{expected.operation}")
    assert expected.says in error
    assert "1 failed" in result.output


def test_two_heads_pass_when_expected(tmp_path: Path, database_url: str) -> None:
    result = _invoke(write_project(tmp_path, "two heads"), database_url, "--heads", "2")
    assert result.exit_code == 0, result.output
    assert "2 head(s)" in result.output


@pytest.mark.backends("sqlite")
def test_heads_below_one_is_a_usage_error(tmp_path: Path, database_url: str) -> None:
    result = _invoke(write_project(tmp_path), database_url, "--heads", "0")
    assert result.exit_code == 2
    assert "--heads" in result.output


@pytest.mark.backends("postgresql")
def test_unusable_server_is_one_line_with_the_password_masked(
    tmp_path: Path, database_url: str
) -> None:
    bad = "postgresql+psycopg://postgres:s3cret@127.0.0.1:1/postgres"
    if sa.__version__.startswith("1."):
        bad = bad.replace("+psycopg", "+psycopg2")
    result = _invoke(write_project(tmp_path), database_url, "--url", bad)
    assert result.exit_code == 4, result.output
    assert "s3cret" not in result.output
    error = result.output.strip().splitlines()
    assert len(error) == 1 and error[0].startswith("Error: Cannot create the scratch database at ")
    assert "postgres:***@127.0.0.1:1" in error[0]


def test_url_option_puts_the_scratch_database_on_that_server(
    tmp_path: Path, database_url: str
) -> None:
    # The app points at a server that does not exist; --url gives the real one.
    if database_url.startswith("sqlite"):
        app_url = f"sqlite:///{tmp_path / 'missing' / 'nowhere.db'}"
    else:
        app_url = re.sub(r"@[^/]+/", "@127.0.0.1:1/", database_url)
    result = _invoke(write_project(tmp_path), app_url, "--url", database_url)
    assert result.exit_code == 0, result.output
