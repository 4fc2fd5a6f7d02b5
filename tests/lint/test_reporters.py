"""A finding is built once and formatted in one module (lint/reporters.py)."""

from __future__ import annotations

import dataclasses
import json
import os

import pytest

from flask_remodel.lint import Finding
from flask_remodel.lint import LintReport
from flask_remodel.lint import Severity
from flask_remodel.lint import Target
from flask_remodel.lint.reporters import FORMATS
from flask_remodel.lint.reporters import headline

from .conftest import LintCode

FINDING = Finding(
    "RM101",
    "index-not-concurrent",
    Severity.ERROR,
    "CREATE INDEX ix on orders {blocks} writes.",
    os.path.join("migrations", "versions", "r1_step.py"),
    12,
    "r1",
    statement="CREATE INDEX ix\n  ON orders (ref)",
    lock="SHARE on orders (blocks writes)",
    rewrites=False,
    fix='op.create_index("ix", "orders", ["ref"], postgresql_concurrently=True)',
)


def test_finding_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        FINDING.lock = "nothing"  # type: ignore[misc]


def test_headline_for_the_report_and_for_the_plan() -> None:
    where = os.path.join("migrations", "versions", "r1_step.py")
    assert headline(FINDING) == (
        f"{where}:12: error RM101 [index-not-concurrent] CREATE INDEX ix on orders {{blocks}} "
        "writes."
    )
    assert headline(FINDING, "plan") == (
        "RM101 error: CREATE INDEX ix on orders {blocks} writes. (r1_step.py:12)"
    )


def test_every_format_shows_the_same_finding() -> None:
    report = LintReport(Target.parse("postgresql:15"), ["r1"], [FINDING])
    text = FORMATS["text"](report)
    assert text.splitlines()[:6] == [
        headline(FINDING),
        "    statement: CREATE INDEX ix ON orders (ref)",
        "    lock: SHARE on orders (blocks writes); no rewrite",
        "    instead:",
        '        op.create_index("ix", "orders", ["ref"], postgresql_concurrently=True)',
        "Checked 1 revision(s) for postgresql:15: 1 error(s).",
    ]
    assert json.loads(FORMATS["json"](report))["findings"] == [FINDING.as_dict()]
    github = FORMATS["github"](report)
    assert github.startswith("::error file=") and "%0AInstead:%0Aop.create_index" in github
    (result,) = json.loads(FORMATS["sarif"](report))["runs"][0]["results"]
    assert result["level"] == "error" and result["message"]["text"].endswith(FINDING.fix or "")


def test_findings_carry_their_lock_and_acknowledgement_from_the_start(lint_code: LintCode) -> None:
    report = lint_code(
        "postgresql",
        'op.drop_column("orders", "note")  # remodel: allow[RM201] unused since v3\n'
        'op.drop_column("orders", "ref")',
    )
    (acknowledged,) = report.acknowledged
    assert acknowledged.acknowledged == "unused since v3"
    assert acknowledged.lock == "ACCESS EXCLUSIVE on orders (blocks reads and writes)"
    assert [f.rule_id for f in report.findings] == ["RM201"]
    assert report.findings[0].acknowledged is None
    assert report.findings[0].lock == acknowledged.lock
