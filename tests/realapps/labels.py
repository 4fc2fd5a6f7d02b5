"""The labelled corpus: what each lint finding on a real app's history is worth.

``findings/<app>.toml`` (one file per application of ``apps.py``) holds, for
the findings ``flask db lint --all`` reports on that history, a label judged
by reading the revision: ``true`` (a real risk in this code: a lock, a
rewrite, data lost, a step that cannot be retried or undone, a wrong type)
or ``false`` (a false alarm), with the reason in one line. ``[[missed]]``
entries are real risks read in the code that no finding reports: they count
against recall. A false alarm the linter still reports carries ``open = true``
(it counts against precision until a rule is fixed); one without it was fixed
and must not come back. ``findings/README.md`` says how to label new findings.

A finding is keyed by (revision, line, rule) on one database. A label lists
the databases it holds for, so one entry covers the same finding on all
three; ``count`` says how many findings share the key (two statements of one
``op.execute``), 1 when absent.

This module only reads and compares; the test (``test_real_apps_lint.py``)
and ``bench/lint_precision.py`` run the lint.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

FINDINGS = Path(__file__).resolve().parent / "findings"
LABELS = ("true", "false")

Key = tuple[str, int, str]  # (revision, line, rule)


class CorpusError(ValueError):
    """A labels file that does not say what it must (a typo must not hide a finding)."""


@dataclass(frozen=True)
class Label:
    revision: str
    line: int
    rule: str
    databases: tuple[str, ...]
    label: str
    reason: str
    count: int = 1
    open: bool = False  # a false alarm still reported: not fixed yet

    @property
    def key(self) -> Key:
        return (self.revision, self.line, self.rule)

    @property
    def true(self) -> bool:
        return self.label == "true"


@dataclass(frozen=True)
class Missed:
    revision: str
    databases: tuple[str, ...]
    what: str


@dataclass(frozen=True)
class Corpus:
    app: str
    version: str
    labels: tuple[Label, ...]
    missed: tuple[Missed, ...]
    path: Path

    def labels_on(self, database: str) -> dict[Key, Label]:
        return {label.key: label for label in self.labels if database in label.databases}

    def missed_on(self, database: str) -> list[Missed]:
        return [m for m in self.missed if database in m.databases]


_REVISION = re.compile(r"^[0-9a-f]{12}$")
_RULE = re.compile(r"^RM\d{3}$")


def _text(entry: dict[str, Any], name: str, where: str) -> str:
    value = entry.get(name)
    if not isinstance(value, str) or not value.strip():
        raise CorpusError(f"{where}: '{name}' must be a non-empty string, not {value!r}")
    return value


def _databases(entry: dict[str, Any], where: str) -> tuple[str, ...]:
    value = entry.get("databases")
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise CorpusError(f"{where}: 'databases' must be a non-empty list of names")
    if len(set(value)) != len(value):
        raise CorpusError(f"{where}: a database is listed twice in {value}")
    return tuple(value)


def _label(entry: dict[str, Any], where: str) -> Label:
    unknown = set(entry) - {
        "revision", "line", "rule", "count", "databases", "label", "reason", "open"
    }
    if unknown:
        raise CorpusError(f"{where}: unknown field(s) {sorted(unknown)}")
    revision, rule = _text(entry, "revision", where), _text(entry, "rule", where)
    if not _REVISION.match(revision):
        raise CorpusError(f"{where}: revision {revision!r} is not a 12-digit revision id")
    if not _RULE.match(rule):
        raise CorpusError(f"{where}: rule {rule!r} is not a rule id (RMnnn)")
    line, count = entry.get("line"), entry.get("count", 1)
    if not isinstance(line, int) or line < 1:
        raise CorpusError(f"{where}: 'line' must be a line number, not {line!r}")
    if not isinstance(count, int) or count < 1:
        raise CorpusError(f"{where}: 'count' must be a positive number, not {count!r}")
    label = _text(entry, "label", where)
    if label not in LABELS:
        raise CorpusError(f"{where}: label {label!r} is none of {LABELS}")
    reason = _text(entry, "reason", where)
    still = entry.get("open", False)
    if not isinstance(still, bool) or (still and label != "false"):
        raise CorpusError(
            f"{where}: 'open = true' marks a false alarm not fixed yet, and only that"
        )
    return Label(revision, line, rule, _databases(entry, where), label, reason, count, still)


def parse(path: Path, text: str) -> Corpus:
    """The corpus in *text* (a ``findings/*.toml`` file's content); :exc:`CorpusError` if bad."""
    import tomllib  # Python 3.11+; the tests that read the corpus skip on 3.10

    data = tomllib.loads(text)
    unknown = set(data) - {"app", "version", "finding", "missed"}
    if unknown:
        raise CorpusError(f"{path.name}: unknown top-level key(s) {sorted(unknown)}")
    app, version = _text(data, "app", path.name), _text(data, "version", path.name)
    labels = [
        _label(entry, f"{path.name} finding #{number}")
        for number, entry in enumerate(data.get("finding", []), 1)
    ]
    seen: dict[tuple[str, Key], int] = {}
    for number, label in enumerate(labels, 1):
        for database in label.databases:
            other = seen.setdefault((database, label.key), number)
            if other != number:
                raise CorpusError(
                    f"{path.name}: findings #{other} and #{number} both label {label.key} "
                    f"on {database}"
                )
    missed = []
    for number, entry in enumerate(data.get("missed", []), 1):
        where = f"{path.name} missed #{number}"
        unknown = set(entry) - {"revision", "databases", "what"}
        if unknown:
            raise CorpusError(f"{where}: unknown field(s) {sorted(unknown)}")
        missed.append(
            Missed(_text(entry, "revision", where), _databases(entry, where),
                   _text(entry, "what", where))
        )
    return Corpus(app, version, tuple(labels), tuple(missed), path)


def load(app: str) -> Corpus:
    path = FINDINGS / f"{app}.toml"
    return parse(path, path.read_text())


# --- Comparing a lint run with the labels -------------------------------------------------------


def findings_in(output: str) -> list[dict[str, Any]]:
    """The findings of the ``lint --format json`` report at the start of *output*."""
    start = output.find("{")
    if start < 0:
        raise ValueError(f"no JSON report in the lint output:\n{output[-2000:]}")
    report, _ = json.JSONDecoder().raw_decode(output[start:])
    findings: list[dict[str, Any]] = report["findings"]
    return findings


def key_of(finding: dict[str, Any]) -> Key:
    return (str(finding["revision"]), int(finding["line"]), str(finding["rule"]))


@dataclass
class Comparison:
    """One lint run on one database, against the labels for that database."""

    database: str
    true_found: int = 0  # findings labelled true, present
    false_found: int = 0  # findings labelled false, present: known false alarms returned
    true_labelled: int = 0  # findings labelled true, present or not
    missed: int = 0  # [[missed]] risks on this database
    returned: list[Label] = field(default_factory=list)  # fixed false alarms reported again
    gone: list[Label] = field(default_factory=list)  # open false alarms no longer reported
    lost: list[tuple[Label, int]] = field(default_factory=list)  # (label, how many remain)
    unlabelled: list[dict[str, Any]] = field(default_factory=list)

    @property
    def precision(self) -> float | None:
        judged = self.true_found + self.false_found
        return self.true_found / judged if judged else None

    @property
    def recall(self) -> float | None:
        wanted = self.true_labelled + self.missed
        return self.true_found / wanted if wanted else None


def compare(corpus: Corpus, database: str, findings: list[dict[str, Any]]) -> Comparison:
    """How *findings* (one run's, on *database*) stand against *corpus*'s labels."""
    result = Comparison(database, missed=len(corpus.missed_on(database)))
    labels = corpus.labels_on(database)
    present = Counter(key_of(f) for f in findings)
    seen: Counter[Key] = Counter()
    for finding in findings:
        key = key_of(finding)
        seen[key] += 1
        label = labels.get(key)
        if label is None or seen[key] > label.count:
            result.unlabelled.append(finding)  # new, or one more than the label counted
    for label in labels.values():
        found = min(present[label.key], label.count)
        if label.true:
            result.true_labelled += label.count
            result.true_found += found
            if found < label.count:
                result.lost.append((label, found))
        else:
            result.false_found += found
            if found and not label.open:
                result.returned.append(label)
            elif label.open and found < label.count:
                result.gone.append(label)
    return result


def stub(finding: dict[str, Any], database: str) -> str:
    """A ``[[finding]]`` entry to paste into the labels file, for a person to judge."""
    message = " ".join(str(finding["message"]).split())
    return (
        "[[finding]]\n"
        f'revision = "{finding["revision"]}"\n'
        f"line = {finding['line']}\n"
        f'rule = "{finding["rule"]}"\n'
        f'databases = ["{database}"]\n'
        'label = "?"  # "true" or "false", judged by reading the revision\n'
        f"reason = {json.dumps('?  (the finding says: ' + message[:160] + ')')}\n"
    )


def _shown(path: Path) -> str:
    """*path* from the repository root when it is in it (the corpus files are)."""
    root = FINDINGS.parents[2]
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def problems(corpus: Corpus, comparison: Comparison) -> list[str]:
    """What makes the corpus test fail, each with what to do about it."""
    where = f"{corpus.app} {corpus.version} on {comparison.database}"
    out = [
        f"known false alarm is back: {label.rule} at {label.revision}:{label.line} "
        f"({label.reason})"
        for label in comparison.returned
    ]
    out += [
        f"open false alarm no longer reported: {label.rule} at {label.revision}:{label.line}; "
        "remove its 'open = true' so that it cannot come back unnoticed"
        for label in comparison.gone
    ]
    out += [
        f"known true finding lost: {label.rule} at {label.revision}:{label.line}, "
        f"{remaining} of {label.count} still reported ({label.reason})"
        for label, remaining in comparison.lost
    ]
    if comparison.unlabelled:
        stubs = "\n".join(stub(f, comparison.database) for f in comparison.unlabelled)
        out.append(
            f"{len(comparison.unlabelled)} finding(s) of {where} have no label: judge each by "
            f"reading the revision and add it to {_shown(corpus.path)} "
            f"(or add the database to an entry that already says the same):\n\n{stubs}"
        )
    return out
