"""How far ``flask db lint --all`` reads real histories offline: RM002 per app and database.

For each history of ``tests/realapps/apps.py``'s ``LINT_HISTORIES`` (ihatemoney
7.2.1, FitTrackee 0.8.13, privacyidea 3.14, from PyPI, in the venvs the
real-apps leg builds and caches), on each database it supports, this runs
``flask db lint --all --target DB --format json`` on the revisions the app
ships and prints: revisions, revisions with RM002 ("analysis incomplete"),
their share, and the findings by rule. ``--detail`` also lists each RM002
with its line and reason. ``tests/realapps/test_lint_replay.py`` holds the
share to at most 2 %.

    .venv/bin/python bench/lint_real_histories.py [--detail] [--app NAME]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from realapps.apps import LINT_HISTORIES
from realapps.harness import lint_offline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--detail", action="store_true", help="list each RM002 finding")
    parser.add_argument("--app", action="append", help="only this app (repeatable)")
    args = parser.parse_args()
    print("| app | database | revisions | with RM002 | % | findings by rule |")
    print("| --- | --- | --- | --- | --- | --- |")
    details = []
    with tempfile.TemporaryDirectory() as work:
        for history in LINT_HISTORIES:
            if args.app and history.name not in args.app:
                continue
            for target in history.backends:
                run = lint_offline(history, target, Path(work))
                stopped = {f["revision"] for f in run.stopped()}
                rules = ", ".join(f"{rule} {n}" for rule, n in run.rule_counts().items())
                print(
                    f"| {history.label} | {target} | {len(run.revisions)} | {len(stopped)} "
                    f"| {run.stopped_share:.1%} | {rules} |",
                    flush=True,
                )
                details += [
                    f"{history.label} {target} {f['revision']} "
                    f"{Path(str(f['path'])).name}:{f['line']}: {f['message']}"
                    for f in run.stopped()
                ]
    if args.detail:
        print("\n".join(details) or "No RM002.")


if __name__ == "__main__":
    main()
