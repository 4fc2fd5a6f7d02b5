"""The labelled corpus of lint findings on the real apps' histories (``labels.py``).

For each application of ``apps.py`` on each database it supports, the
findings of Flask-Remodel's ``lint --all`` are compared with
``findings/<app>.toml``. The test fails when:

* a false alarm marked fixed (no ``open = true``) is reported again, or one
  marked open is no longer reported (remove the mark, so it stays fixed);
* a finding labelled true is no longer reported (a real risk lost);
* a finding has no label: the message gives the entries to paste, for a
  person to judge by reading the revision.

The lint runs once per application and database: the history test of
``test_real_apps.py`` (collected first, in the same process) already ran
it as its ``lint --all`` step, and this one reads that run; alone, or in
another xdist worker, it lints the history itself (a second or two).

Opt-in like the rest of the leg (``REMODEL_REAL_APPS=1``); the check of the
labels files themselves always runs. Precision and recall:
``bench/lint_precision.py``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from flask_remodel.lint import all_rules
from realapps.apps import HISTORIES
from realapps.apps import AppHistory
from realapps.harness import AppUnavailable
from realapps.harness import lint_history
from realapps.harness import unavailable
from realapps.labels import FINDINGS
from realapps.labels import CorpusError
from realapps.labels import compare
from realapps.labels import findings_in
from realapps.labels import load
from realapps.labels import parse
from realapps.labels import problems
from support.databases import fresh_database
from support.databases import selected_backends

# tomllib is 3.11+: the oldest leg (3.10) does not run the real apps either (needs_latest).
needs_tomllib = pytest.mark.skipif(sys.version_info < (3, 11), reason="tomllib is Python 3.11+")

CASES = [
    pytest.param(history, backend, id=f"{history.name}-{backend}")
    for history in HISTORIES
    for backend in history.backends
    if backend in selected_backends()
]


@pytest.mark.realapps
@pytest.mark.needs_latest
@needs_tomllib
@pytest.mark.parametrize(("history", "backend"), CASES)
def test_lint_findings_match_their_labels(
    history: AppHistory, backend: str, tmp_path: Path
) -> None:
    corpus = load(history.name)
    with fresh_database(backend, tmp_path, "lint") as url:
        try:
            outcome = lint_history(history, backend, url, tmp_path)
        except AppUnavailable as error:
            unavailable(error)
    assert "Traceback (most recent call last)" not in outcome.output, outcome.output[-3000:]
    comparison = compare(corpus, backend, findings_in(outcome.output))
    found = problems(corpus, comparison)
    assert not found, f"{history.label} on {backend}:\n\n" + "\n\n".join(found)


@needs_tomllib
@pytest.mark.parametrize("history", HISTORIES, ids=[h.name for h in HISTORIES])
def test_every_label_names_a_real_rule_and_database(history: AppHistory) -> None:
    """(Not opt-in: it runs nothing, and a broken labels file should show in every run.)"""
    corpus = load(history.name)
    assert (corpus.app, corpus.version) == (history.name, history.version), (
        f"{corpus.path.name} labels {corpus.app} {corpus.version}, apps.py runs "
        f"{history.label}: judge the new release's findings anew"
    )
    rules = {info.id for info in all_rules()}
    for label in corpus.labels:
        assert label.rule in rules, f"{label.key}: no rule {label.rule}"
        assert set(label.databases) <= set(history.backends), (label.key, label.databases)
    for missed in corpus.missed:
        assert set(missed.databases) <= set(history.backends), (missed.revision, missed.databases)


@needs_tomllib
def test_every_labels_file_is_an_application_of_the_leg() -> None:
    names = {history.name for history in HISTORIES}
    assert {path.stem for path in FINDINGS.glob("*.toml")} == names


GOOD = """
app = "demo"
version = "1.0"

[[finding]]
revision = "0123456789ab"
line = 12
rule = "RM101"
databases = ["postgresql", "mariadb"]
label = "true"
reason = "an index built without CONCURRENTLY on a table with rows"

[[finding]]
revision = "0123456789ab"
line = 20
rule = "RM116"
count = 2
databases = ["postgresql"]
label = "false"
reason = "the table was created empty in this revision"

[[finding]]
revision = "0123456789ab"
line = 25
rule = "RM402"
databases = ["postgresql"]
label = "false"
reason = "filled by a loop the replay does not see"
open = true

[[missed]]
revision = "0123456789ab"
databases = ["postgresql"]
what = "the downgrade leaves an enum type behind"
"""


def _finding(line: int, rule: str, revision: str = "0123456789ab") -> dict[str, object]:
    return {"revision": revision, "line": line, "rule": rule, "message": "m", "severity": "warning"}


@needs_tomllib
def test_the_comparison_tells_returned_lost_and_unlabelled_findings() -> None:
    corpus = parse(Path("demo.toml"), GOOD)
    # The open false alarm is still there: it costs precision, and fails nothing.
    clean = compare(corpus, "postgresql", [_finding(12, "RM101"), _finding(25, "RM402")])
    assert (clean.true_found, clean.false_found, clean.true_labelled, clean.missed) == (1, 1, 1, 1)
    assert clean.precision == 0.5 and clean.recall == 0.5  # the missed risk counts as lost
    assert problems(corpus, clean) == []
    # Once fixed, the test asks for the mark to go, so that it cannot come back unnoticed.
    fixed = compare(corpus, "postgresql", [_finding(12, "RM101")])
    assert [label.key for label in fixed.gone] == [("0123456789ab", 25, "RM402")]
    assert "remove its 'open = true'" in "\n".join(problems(corpus, fixed))

    # One of the two known false alarms comes back, the true finding goes, a new one appears.
    worse = compare(corpus, "postgresql", [_finding(20, "RM116"), _finding(30, "RM201"),
                                           _finding(25, "RM402")])
    assert [label.key for label in worse.returned] == [("0123456789ab", 20, "RM116")]
    assert [(label.key, left) for label, left in worse.lost] == [(("0123456789ab", 12, "RM101"), 0)]
    assert [f["line"] for f in worse.unlabelled] == [30]
    assert worse.precision == 0.0
    said = "\n".join(problems(corpus, worse))
    assert "known false alarm is back: RM116" in said
    assert "known true finding lost: RM101" in said
    assert 'label = "?"' in said and "line = 30" in said  # the entry to paste

    # A label counts its findings: a third RM116 on the same line is a new one to judge.
    more = compare(corpus, "postgresql",
                   [_finding(12, "RM101"), _finding(25, "RM402")] + [_finding(20, "RM116")] * 3)
    assert [f["rule"] for f in more.unlabelled] == ["RM116"]
    # Labels hold only for the databases they list.
    assert [f["rule"] for f in compare(corpus, "sqlite", [_finding(12, "RM101")]).unlabelled] == [
        "RM101"
    ]


@needs_tomllib
@pytest.mark.parametrize(
    ("broken", "said"),
    [
        (GOOD.replace('label = "true"', 'label = "yes"'), "label 'yes' is none of"),
        (GOOD.replace('reason = "an index', 'reason = " "\n# "'), "'reason' must be"),
        (GOOD.replace('rule = "RM101"', 'rule = "RM11"'), "is not a rule id"),
        (GOOD.replace("line = 20", "line = 12").replace('rule = "RM116"', 'rule = "RM101"'),
         "both label"),
        (GOOD.replace("count = 2", "count = 0"), "'count' must be"),
        (GOOD.replace('label = "true"', 'label = "true"\nopen = true'), "'open = true' marks"),
        (GOOD.replace("line = 12", "lines = 12"), "unknown field(s) ['lines']"),
    ],
)
def test_a_labels_file_that_does_not_say_what_it_must_is_refused(broken: str, said: str) -> None:
    with pytest.raises(CorpusError, match=re.escape(said)):
        parse(Path("demo.toml"), broken)
