"""Precision and recall of ``flask db lint`` on the labelled real-history corpus.

The corpus is ``tests/realapps/findings/<app>.toml``: every finding
``flask db lint --all`` reports on the published migration histories of the
real applications of ``tests/realapps/apps.py``, per database, labelled true
(a real risk in that code) or false (a false alarm) by a person who read the
revision, plus the real risks read there that no finding reports
(``[[missed]]``). This script lints each history again on each database of
``REMODEL_TEST_BACKENDS`` (the application's venv is built from PyPI on first
use, as the test leg does; each database is a fresh one on the test servers)
and prints, per application and database:

* precision: findings labelled true / findings labelled at all;
* recall: findings labelled true that are reported / (findings labelled
  true + missed risks);
* the findings with no label yet (``--stubs`` prints the entries to paste).

The same figures without the timeout/robustness reminders (RM501, RM511,
RM512, which ``bench/lint_vs_squawk.py`` also scores apart) follow, since
those fire on every ALTER of a history whose env.py sets no timeouts.

Run: ``python bench/lint_precision.py`` (``--app NAME`` for one, ``--stubs``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TESTS = Path(__file__).resolve().parents[1] / "tests"
sys.path.insert(0, str(TESTS))  # as pytest's pythonpath = ["tests"] does

from realapps.apps import HISTORIES  # noqa: E402
from realapps.harness import lint_history  # noqa: E402
from realapps.labels import Comparison  # noqa: E402
from realapps.labels import Corpus  # noqa: E402
from realapps.labels import compare  # noqa: E402
from realapps.labels import findings_in  # noqa: E402
from realapps.labels import load  # noqa: E402
from realapps.labels import stub  # noqa: E402
from support.databases import fresh_database  # noqa: E402
from support.databases import selected_backends  # noqa: E402

REMINDERS = ("RM501", "RM511", "RM512")


@dataclass
class Row:
    name: str
    database: str
    reported: int
    comparison: Comparison


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f} %"


def _without_reminders(corpus: Corpus) -> Corpus:
    kept = tuple(label for label in corpus.labels if label.rule not in REMINDERS)
    return Corpus(corpus.app, corpus.version, kept, corpus.missed, corpus.path)


def lint(history: Any, database: str) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="lint-precision-") as tmp:
        folder = Path(tmp)
        with fresh_database(database, folder, "lint") as url:
            outcome = lint_history(history, database, url, folder)
    return findings_in(outcome.output)


def table(rows: list[Row], title: str) -> list[str]:
    header = (f"{'application':<20} {'database':<11} {'findings':>8} {'true':>5} {'false':>5} "
              f"{'new':>4} {'missed':>6} {'lost':>4} {'precision':>10} {'recall':>8}")
    lines = [title, header, "-" * len(header)]
    total = Comparison("all")
    reported = 0
    for row in rows:
        c = row.comparison
        lost = sum(label.count - left for label, left in c.lost)
        lines.append(
            f"{row.name:<20} {row.database:<11} {row.reported:>8} {c.true_found:>5} "
            f"{c.false_found:>5} {len(c.unlabelled):>4} {c.missed:>6} {lost:>4} "
            f"{_percent(c.precision):>10} {_percent(c.recall):>8}"
        )
        reported += row.reported
        total.true_found += c.true_found
        total.false_found += c.false_found
        total.true_labelled += c.true_labelled
        total.missed += c.missed
        total.unlabelled += c.unlabelled
        total.lost += c.lost
    lost = sum(label.count - left for label, left in total.lost)
    lines.append("-" * len(header))
    lines.append(
        f"{'all':<20} {'':<11} {reported:>8} {total.true_found:>5} {total.false_found:>5} "
        f"{len(total.unlabelled):>4} {total.missed:>6} {lost:>4} "
        f"{_percent(total.precision):>10} {_percent(total.recall):>8}"
    )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--app", action="append", help="only this application (repeatable)")
    parser.add_argument("--stubs", action="store_true",
                        help="print a labels entry to paste for each finding with no label")
    options = parser.parse_args()
    started = time.monotonic()
    rows, plain_rows, stubs = [], [], []
    for history in HISTORIES:
        if options.app and history.name not in options.app:
            continue
        corpus = load(history.name)
        for database in history.backends:
            if database not in selected_backends():
                continue
            print(f"linting {history.label} on {database} ...", file=sys.stderr, flush=True)
            findings = lint(history, database)
            rows.append(Row(history.label, database, len(findings),
                            compare(corpus, database, findings)))
            plain = [f for f in findings if f["rule"] not in REMINDERS]
            plain_rows.append(Row(history.label, database, len(plain),
                                  compare(_without_reminders(corpus), database, plain)))
            stubs += [(corpus, stub(f, database)) for f in rows[-1].comparison.unlabelled]
    print("\n".join(table(rows, "Labelled real-history findings (flask db lint --all)")))
    print()
    print("\n".join(table(plain_rows, f"The same without the reminders {', '.join(REMINDERS)}")))
    print()
    print("findings: reported; true/false: reported and labelled so; new: no label yet; "
          "missed: real risks no finding reports; lost: labelled true, no longer reported.")
    print("precision = true / (true + false); recall = true / (labelled true + missed).")
    for row in rows:
        for label in row.comparison.returned:
            print(f"FIXED FALSE ALARM BACK: {row.name} {row.database} {label.key}")
        for label, _ in row.comparison.lost:
            print(f"TRUE FINDING LOST: {row.name} {row.database} {label.key}")
    if stubs:
        print(f"\n{len(stubs)} finding(s) have no label"
              + (":" if options.stubs else " (--stubs prints them)."))
        if options.stubs:
            for corpus, text in stubs:
                print(f"# for {corpus.path.name}\n{text}")
    print(f"\n{time.monotonic() - started:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
