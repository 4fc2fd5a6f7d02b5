"""The fault trials' project fixture, and the trial table printed at the end of the run.

Each trial records one ``fault_trial`` property (``record_property``, which
pytest-xdist carries back to the controller); the terminal summary counts them
by kind and database, and a trial survived when its test passed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.apps import AppFactory

from .trial import FaultProject
from .trial import Zygote
from .trial import base_seed
from .trial import make_fault_project

ROWS = 300


@pytest.fixture(scope="session")
def zygote() -> Iterator[Zygote]:
    started = Zygote()
    yield started
    started.close()


@pytest.fixture
def fault_project(
    zygote: Zygote, make_app: AppFactory, database_url: str, backend: str, tmp_path: Path
) -> Callable[..., FaultProject]:
    """``fault_project(rows=300, url=None, name="project")``: the history of
    ``history.py`` at ``r1``, ``item`` with *rows* rows, in ``tmp_path/name``
    over *url* (default: the test's database)."""

    def make(rows: int = ROWS, url: str | None = None, name: str = "project") -> FaultProject:
        root = tmp_path / name
        root.mkdir()
        url = url or database_url
        made = make_app(
            None, database_url=url, directory=root / "migrations", config={"REMODEL_LINT": "off"}
        )
        return make_fault_project(zygote, made, root, url, backend, rows)

    return make


def _trials(terminalreporter: pytest.TerminalReporter) -> list[tuple[dict[str, str], str]]:
    found = []
    for outcome in ("passed", "failed", "xfailed", "xpassed"):
        for report in terminalreporter.stats.get(outcome, []):
            if getattr(report, "when", "") != "call" and outcome != "failed":
                continue
            for name, value in getattr(report, "user_properties", []):
                if name == "fault_trial":
                    found.append((value, "yes" if outcome == "passed" else f"NO ({outcome})"))
    return found


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    trials = _trials(terminalreporter)
    if not trials:
        return
    write = terminalreporter.write_line
    terminalreporter.section(f"fault trials (seed {base_seed()})")
    write(f"{'what':38} {'database':11} {'fault':26} {'status said':34} recovery -> survived")
    for trial, survived in sorted(trials, key=lambda t: (t[0]["what"], t[0]["database"])):
        write(
            f"{trial['what']:38} {trial['database']:11} {trial['fault']:26} "
            f"{trial.get('status', '-'):34} {trial.get('recovery', '-')} -> {survived}"
        )
    totals: Counter[tuple[str, str]] = Counter()
    survived_totals: Counter[tuple[str, str]] = Counter()
    for trial, survived in trials:
        totals[trial["what"], trial["database"]] += 1
        survived_totals[trial["what"], trial["database"]] += survived == "yes"
    write("")
    write(f"{'what':38} {'database':11} {'count':>5} {'survived':>8}")
    for (what, database), count in sorted(totals.items()):
        write(f"{what:38} {database:11} {count:5} {survived_totals[what, database]:8}")
