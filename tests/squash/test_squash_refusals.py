"""Ranges and files a squash refuses: one line, exit 5, and not a byte changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from flask_remodel.revision_index.cache import CACHE_DIR
from graph.histories import branchy
from graph.histories import rid
from graph.histories import write_revision
from squash.conftest import write_history
from support import AppFactory
from support import MadeApp

pytestmark = pytest.mark.backends("sqlite")  # files only: every case runs with --no-db


def _tree(folder: Path) -> dict[str, bytes]:
    """Every file the user owns in *folder*; the revision index's cache is ours to rewrite."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and CACHE_DIR not in p.relative_to(folder).parts
    }


def _refused(made: MadeApp, *args: str) -> str:
    before = _tree(made.migrations_dir)
    result = made.cli("squash", "--no-db", *args)
    lines = result.output.splitlines()
    assert result.exit_code == 5, result.output
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert _tree(made.migrations_dir) == before
    return lines[0]


@pytest.fixture
def made(make_app: AppFactory) -> MadeApp:
    made = make_app()
    made.ok("init")
    return made


def test_range_refusals_on_a_branchy_history(made: MadeApp) -> None:
    ids = branchy(made.migrations_dir / "versions")
    assert "is a merge point" in _refused(made, ids["b"], ids["f"])
    error = _refused(made, ids["a"], ids["c"])
    assert f"Revision {ids['b']} inside the range is a branch point" in error
    assert "different branches" in _refused(made, ids["c"], ids["d"])
    assert "newer than TO" in _refused(made, ids["c"], ids["a"])
    assert f"'flask db squash {ids['a']} {ids['c']}'" in _refused(made, ids["c"], ids["a"])
    assert "names 2 revisions" in _refused(made, ids["a"], "heads")
    assert "nothing to squash" in _refused(made, ids["c"], ids["c"])
    assert "Unknown revision 'abc999'" in _refused(made, ids["a"], "abc999")


def test_dependency_on_a_revision_that_would_disappear(made: MadeApp) -> None:
    versions = made.migrations_dir / "versions"
    write_history(versions)
    write_revision(versions, "x", "r5", "Needs r2", depends_on=["r2"])
    error = _refused(made, rid("r1"), rid("r4"))
    assert f"Revision {rid('x')} depends on {rid('r2')}" in error
    assert f"point its depends_on at {rid('r4')}" in error


@pytest.mark.parametrize(
    ("upgrade", "header", "expected"),
    [
        ("if True:\n    return\nop.drop_table('author')", "", "contains a return statement"),
        ("op.execute(SQL)", "SQL = 'SELECT 2'\n", "both define 'SQL' at module level"),
        ("print(name)", "name = 'module'\n", "reads from module level"),
    ],
)
def test_bodies_that_cannot_be_joined(
    made: MadeApp, upgrade: str, header: str, expected: str
) -> None:
    versions = made.migrations_dir / "versions"
    write_revision(versions, "p", None, "P", upgrade="name = 'local'\nop.execute('SELECT 1')",
                   header="SQL = 'SELECT 1'\n")
    write_revision(versions, "q", "p", "Q", upgrade=upgrade, header=header)
    assert expected in _refused(made, rid("p"), rid("q"))


def test_a_failed_check_puts_the_original_files_back(
    made: MadeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flask_remodel.api import squashing

    write_history(made.migrations_dir / "versions")
    before = _tree(made.migrations_dir)

    def broken(*args: object) -> None:
        raise RuntimeError("simulated: the folder did not load")

    monkeypatch.setattr(squashing, "_verify", broken)
    error = _refused(made, rid("r1"), rid("r4"))
    assert "did not check out (RuntimeError: simulated" in error
    assert "the original files were put back unchanged" in error
    assert _tree(made.migrations_dir) == before
