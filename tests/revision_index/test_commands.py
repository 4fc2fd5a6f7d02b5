"""The commands on the revision index: same output as Alembic's loading, fewer imports.

The output is compared with the same command run with the index switched off
(Alembic importing every file), so any drift in what is printed shows up here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import flask_remodel
from flask_remodel.errors import SeveralHeadsError
from support.apps import MadeApp

from .histories import IMPORTED_STYLES
from .histories import History
from .histories import draw
from .histories import labels_sorted
from .histories import write_history


@pytest.fixture
def project(make_app: Callable[..., MadeApp], tmp_path: Path) -> tuple[MadeApp, History]:
    made = make_app()
    made.ok("init")
    history = write_history(
        made.migrations_dir / "versions", draw(40, 11), tmp_path / "imported.txt"
    )
    return made, history


def _without_index(monkeypatch: pytest.MonkeyPatch, made: MadeApp, *args: str) -> str:
    with monkeypatch.context() as patched:
        patched.setattr("flask_remodel.revisions.use_revision_index", lambda script: None)
        return labels_sorted(made.ok(*args).output)


def _imports_during(history: History, run: Callable[[], object]) -> set[str]:
    history.marker.unlink(missing_ok=True)
    run()
    return set(history.imported())


def _output_and_imports(made: MadeApp, history: History, *args: str) -> tuple[str, set[str]]:
    history.marker.unlink(missing_ok=True)
    output = made.ok(*args).output
    return labels_sorted(output), set(history.imported())


def _always_imported(history: History) -> set[str]:
    return {r.id for r in history.revisions if r.style in IMPORTED_STYLES}


def test_current_and_a_no_op_upgrade_import_nothing_they_do_not_run(
    project: tuple[MadeApp, History], monkeypatch: pytest.MonkeyPatch
) -> None:
    made, history = project
    ran = _imports_during(history, lambda: made.ok("upgrade", "heads"))
    assert ran == {r.id for r in history.revisions}

    for args in (["current"], ["current", "-v"], ["history", "-i"], ["show", "current"]):
        expected = _without_index(monkeypatch, made, *args)
        output, imported = _output_and_imports(made, history, *args)
        assert output == expected, args
        assert imported == _always_imported(history), args

    imported = _imports_during(history, lambda: made.ok("upgrade", "heads"))
    assert imported == _always_imported(history)
    assert "(head)" in made.ok("current").output


def test_a_real_upgrade_or_downgrade_imports_what_it_runs(project: tuple[MadeApp, History]) -> None:
    made, history = project
    first = history.revisions[0]
    imported = _imports_during(history, lambda: made.ok("upgrade", first.id))
    assert imported == _always_imported(history) | {first.id}
    assert made.ok("current").output.splitlines()[-1].startswith(first.id)
    imported = _imports_during(history, lambda: made.ok("downgrade", "base"))
    assert imported == _always_imported(history) | {first.id}
    assert first.id not in made.ok("current").output


@pytest.mark.backends("sqlite")
@pytest.mark.parametrize(
    "args",
    [
        ["heads"], ["heads", "-v"], ["heads", "--resolve-dependencies"], ["branches"],
        ["branches", "-v"], ["history"], ["history", "-v"], ["history", "-r", "base:heads"],
        ["show", "head"],
    ],
)
def test_reading_commands_print_what_alembic_prints(
    project: tuple[MadeApp, History], monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    made, history = project
    if args == ["show", "head"]:
        args = ["show", made.ok("heads").output.split()[0]]
    expected = _without_index(monkeypatch, made, *args)
    output, imported = _output_and_imports(made, history, *args)
    assert output == expected
    assert imported == _always_imported(history)


@pytest.mark.backends("sqlite")
def test_heads_check_fails_on_several_heads_and_names_merge(
    make_app: Callable[..., MadeApp],
) -> None:
    made = make_app()
    made.ok("init")
    made.ok("revision", "-m", "first", "--rev-id", "aaa001")
    assert made.ok("heads", "--check").output.strip() == "aaa001 (head)"
    made.ok("revision", "-m", "side", "--rev-id", "bbb001", "--head", "base", "--splice")
    result = made.cli("heads", "--check")
    assert result.exit_code == 1
    (error,) = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert error.startswith("Error: The migrations have 2 heads (")
    assert "aaa001" in error and "bbb001" in error
    assert error.endswith("run 'flask db merge heads -m \"Merge heads\"' to join them into one.")
    assert "(head)" not in result.output
    with made.app.app_context(), pytest.raises(SeveralHeadsError) as raised:
        flask_remodel.heads(check=True)
    assert sorted(raised.value.heads) == ["aaa001", "bbb001"]
    assert made.cli("heads").exit_code == 0  # without --check, listing is not a failure
    made.ok("merge", "heads", "-m", "join")
    assert made.cli("heads", "--check").exit_code == 0


@pytest.mark.backends("sqlite")
def test_ranges_only_with_sql(make_app: Callable[..., MadeApp]) -> None:
    made = make_app()
    made.ok("init")
    made.ok("revision", "-m", "first", "--rev-id", "aaa001")
    made.ok("revision", "-m", "second", "--rev-id", "bbb002")
    for args in (["upgrade", "base:head"], ["downgrade", "--sql", "base"]):
        result = made.cli(*args)
        assert result.exit_code == 1, args
        assert result.output.count("Error: ") == 1 and "--sql" in result.output, args
    sql = made.ok("upgrade", "--sql", "aaa001:bbb002").output
    assert "bbb002" in sql and "CREATE TABLE alembic_version" not in sql
    assert "bbb002" not in made.ok("current").output  # --sql applied nothing


@pytest.mark.backends("sqlite")
def test_current_does_not_take_alembics_quadratic_path(
    project: tuple[MadeApp, History], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``alembic current`` filters every ancestor into branch heads (O(n^2)); ours looks up."""
    made, _ = project
    made.ok("upgrade", "heads")

    def quadratic(*args: object, **kw: object) -> object:
        raise AssertionError("RevisionMap._filter_into_branch_heads was called")

    monkeypatch.setattr(
        "alembic.script.revision.RevisionMap._filter_into_branch_heads", quadratic
    )
    for args in (["current"], ["current", "--check-heads"], ["history", "-i"]):
        assert "(head)" in made.ok(*args).output, args
