"""docs/rules/ must match the rule registry (regenerate with python -m flask_remodel.lint.docs)."""

from __future__ import annotations

from pathlib import Path

from flask_remodel.lint import all_rules
from flask_remodel.lint.docs import render
from flask_remodel.lint.docs import stale

RULES_DOCS = Path(__file__).parents[2] / "docs" / "rules"


def test_rule_docs_are_fresh() -> None:
    assert stale(RULES_DOCS) == [], (
        "docs/rules/ is stale: run 'python -m flask_remodel.lint.docs'"
    )


def test_stale_notices_a_changed_a_missing_and_a_left_over_file(tmp_path: Path) -> None:
    for name, text in render().items():
        (tmp_path / name).write_text(text)
    assert stale(tmp_path) == []
    first = sorted(render())[0]
    (tmp_path / first).write_text("edited by hand")
    (tmp_path / "index.md").unlink()
    (tmp_path / "RM999-gone.md").write_text("old")
    assert stale(tmp_path) == sorted([first, "index.md", "RM999-gone.md"])


def test_every_rule_documents_its_problem_and_an_example() -> None:
    for info in all_rules():
        assert "Problem:" in info.doc and "Flagged" in info.doc, info.id
        assert info.summary.endswith("."), info.id
