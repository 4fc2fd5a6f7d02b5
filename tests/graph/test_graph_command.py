"""``flask db graph`` and ``flask_remodel.api.graph`` against real databases."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flask_remodel import api
from flask_remodel import errors
from graph.chromium import measure
from graph.histories import branchy
from graph.test_page_in_chromium import check_drawing
from support import AppFactory
from support import MadeApp


def _project(make_app: AppFactory, **kwargs: object) -> tuple[MadeApp, dict[str, str]]:
    made = make_app(**kwargs)  # type: ignore[arg-type]
    made.ok("init")
    return made, branchy(made.migrations_dir / "versions")


def _line(text: str, revision: str) -> str:
    return next(line for line in text.splitlines() if re.search(rf"[●○] {revision}\b", line))


def test_graph_marks_what_the_database_applied(make_app: AppFactory, tmp_path: Path) -> None:
    made, ids = _project(make_app)
    made.ok("upgrade", ids["c"])
    text = made.ok("graph").output
    assert _line(text, ids["c"]).endswith("current")
    assert _line(text, ids["b"]).startswith("● ") and "applied" in _line(text, ids["a"])
    assert _line(text, ids["d"]).lstrip("│├└─ ").startswith("○ ")

    page = tmp_path / "graph.html"
    out = made.ok("graph", "-o", str(page)).output  # the format comes from the suffix
    assert f"Wrote the html graph of 8 revisions to {page}." in out
    with made.app.app_context():
        model = api.graph(format="html").model
    assert model.current == (ids["c"],)
    check_drawing(measure(page, tmp_path), model)


def test_no_db_and_each_format(make_app: AppFactory) -> None:
    made, ids = _project(make_app)
    made.ok("upgrade", "heads")
    result = made.ok("graph", "--no-db")
    assert "●" not in result.output and "Note:" not in result.output
    mermaid = made.ok("graph", "--format", "mermaid").output
    assert mermaid.startswith("flowchart TD") and f"r_{ids['f']}" in mermaid
    assert re.search(r"^    class \S+ current$", mermaid, re.M)
    dot = made.ok("graph", "-f", "dot").output
    assert dot.startswith("digraph revisions {") and dot.count(' -> "') == 9
    assert made.ok("graph", "-f", "html").output.startswith("<!DOCTYPE html>")


@pytest.mark.backends("sqlite")
def test_unreachable_database_gives_a_note_not_an_error(make_app: AppFactory) -> None:
    made, ids = _project(make_app, database_url="postgresql://scott:tiger@127.0.0.1:1/none")
    result = made.cli("graph")
    assert result.exit_code == 0, result.output
    note = [line for line in result.output.splitlines() if line.startswith("Note:")]
    assert len(note) == 1 and "not marked" in note[0] and "127.0.0.1:1" in note[0]
    assert "tiger" not in result.output
    assert "●" not in result.output and len(re.findall("○", result.output)) == 8


@pytest.mark.backends("sqlite")
def test_bad_input_is_one_line_and_writes_nothing(make_app: AppFactory, tmp_path: Path) -> None:
    made, _ = _project(make_app)
    missing = tmp_path / "no" / "such" / "graph.html"
    result = made.cli("graph", "-o", str(missing))
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"Error: Cannot write the graph to {missing}: No such file or directory. "
        "Choose another -o/--output."
    ]
    result = made.cli("graph", "--format", "svg")
    assert result.exit_code == 2 and "'svg' is not one of" in result.output
    with made.app.app_context(), pytest.raises(errors.GraphFormatError, match="use one of text"):
        api.graph(format="svg")
