"""Print (or write into docs/real-apps.md) the side-by-side table of the real apps' histories.

    .venv/bin/python tests/realapps/table.py            # print the table
    .venv/bin/python tests/realapps/table.py --write    # and put it in docs/real-apps.md

It runs the same matrix as ``test_real_apps.py`` (every application on each
of its databases, each step with Flask-Migrate 4.1 and with Flask-Remodel),
on the backends of ``REMODEL_TEST_BACKENDS`` (default all three), and asserts
nothing: it is the record, the test is the check.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS))  # as pytest's pythonpath = ["tests"] does

from realapps.apps import HISTORIES  # noqa: E402
from realapps.harness import TOOLS  # noqa: E402
from realapps.harness import HistoryRun  # noqa: E402
from realapps.harness import run_history  # noqa: E402
from realapps.harness import table  # noqa: E402
from support.databases import fresh_database  # noqa: E402
from support.databases import selected_backends  # noqa: E402

DOC = TESTS.parent / "docs" / "real-apps.md"
START, END = "<!-- realapps-table:start -->", "<!-- realapps-table:end -->"


def run_all(names: list[str] | None) -> tuple[list[HistoryRun], list[str]]:
    runs, skipped = [], []
    for history in HISTORIES:
        if names and history.name not in names:
            continue
        for backend in history.backends:
            if backend not in selected_backends():
                continue
            with tempfile.TemporaryDirectory(prefix="realapps-") as tmp, ExitStack() as stack:
                folder = Path(tmp)
                try:
                    urls = {
                        tool: stack.enter_context(fresh_database(backend, folder, tool))
                        for tool in TOOLS
                    }
                except BaseException as error:  # pytest.skip() raises a BaseException
                    if type(error).__name__ not in ("Skipped", "Failed"):
                        raise
                    skipped.append(f"{history.label} on {backend}: {error}")
                    continue
                print(f"running {history.label} on {backend} ...", file=sys.stderr, flush=True)
                run = run_history(history, backend, urls, folder)
                print(f"  {run.seconds:.1f} s", file=sys.stderr, flush=True)
                runs.append(run)
    return runs, skipped


def write_doc(text: str) -> None:
    doc = DOC.read_text()
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.S)
    if not pattern.search(doc):
        raise SystemExit(f"{DOC} has no {START} ... {END} block to replace")
    DOC.write_text(pattern.sub(lambda _: f"{START}\n{text}\n{END}", doc))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help=f"replace the table in {DOC}")
    parser.add_argument("--app", action="append", help="only this application (repeatable)")
    options = parser.parse_args()
    started = time.monotonic()
    runs, skipped = run_all(options.app)
    elapsed = time.monotonic() - started
    text = table(runs)
    print(text)
    for line in skipped:
        print(f"skipped: {line}", file=sys.stderr)
    print(f"{len(runs)} history run(s) in {elapsed:.0f} s", file=sys.stderr)
    if options.write:
        if skipped:
            print("not writing a table with skipped runs", file=sys.stderr)
            return 1
        write_doc(text)
        print(f"wrote {DOC}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
