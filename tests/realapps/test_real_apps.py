"""Real applications' published migration histories, with Flask-Migrate 4.1 and Flask-Remodel.

For each application of ``apps.py`` on each database it supports (among
those of ``REMODEL_TEST_BACKENDS``), both tools run the same steps, each on a
fresh database: ``upgrade`` from empty to head, ``check``, ``downgrade base``,
``upgrade`` again, ``heads``, ``history``, then Flask-Remodel's ``lint --all``
and ``test`` (Flask-Migrate has neither). The test asserts that:

* every step succeeds or fails with Flask-Remodel as ``apps.py`` records it;
* Flask-Migrate succeeds or fails at the same steps (a history that breaks
  must break at the same place under both), except the differences
  ``apps.py`` lists as Flask-Remodel bugs, which make the test xfail while
  they last and fail once they are gone, so that their entry gets removed;
* no Flask-Remodel step ends in a traceback or an "unexpected" error: where
  the history fails, the message is Flask-Remodel's own;
* both tools list the whole history and agree on its head.

Opt-in (see conftest.py): ``REMODEL_REAL_APPS=1 .venv/bin/python -m pytest -m realapps``.
The side-by-side table comes from ``.venv/bin/python tests/realapps/table.py``.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import pytest

from realapps.apps import HISTORIES
from realapps.apps import AppHistory
from realapps.harness import MIGRATE
from realapps.harness import REMODEL
from realapps.harness import STEPS
from realapps.harness import TOOL_NAMES
from realapps.harness import TOOLS
from realapps.harness import AppUnavailable
from realapps.harness import HistoryRun
from realapps.harness import run_history
from realapps.harness import table
from realapps.harness import unavailable
from support.databases import fresh_database
from support.databases import selected_backends

CASES = [
    pytest.param(history, backend, id=f"{history.name}-{backend}")
    for history in HISTORIES
    for backend in history.backends
    if backend in selected_backends()
]


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _problems(run: HistoryRun) -> tuple[list[str], list[str]]:
    """What is wrong with *run*, and the known Flask-Remodel bugs it still shows."""
    history, backend = run.history, run.backend
    problems: list[str] = []
    known: list[str] = []
    mismatched = set(run.mismatches())
    for step in STEPS:
        remodel = run.outcome(REMODEL, step.name)
        migrate = run.outcome(MIGRATE, step.name)
        if "Traceback (most recent call last)" in remodel.output or "Error: unexpected" in (
            remodel.output
        ):
            problems.append(
                f"{step.name}: Flask-Remodel crashed instead of saying what failed:\n"
                f"{_tail(remodel.output)}"
            )
        expected = history.expected_outcome(backend, step.name)
        if remodel.status != expected:
            problems.append(
                f"{step.name}: Flask-Remodel {remodel.status}, apps.py expects {expected}: "
                f"{remodel.message}\n{_tail(remodel.output)}"
            )
        difference = history.known_differences.get((backend, step.name))
        if difference is not None:
            if step.name in mismatched:
                known.append(f"{step.name}: {difference}")
            else:
                problems.append(
                    f"{step.name}: both tools now {migrate.status}: the known difference is gone,"
                    f" remove it from apps.py ({difference})"
                )
        elif step.name in mismatched:
            problems.append(
                f"{step.name}: {TOOL_NAMES[MIGRATE]} {migrate.status} ({migrate.message}) but"
                f" {TOOL_NAMES[REMODEL]} {remodel.status} ({remodel.message})"
            )
    listed = {tool: run.outcome(tool, "history").message for tool in TOOLS}
    for tool, message in listed.items():
        if message != f"{history.revisions} revision(s) listed":
            problems.append(
                f"history: {TOOL_NAMES[tool]}: {message}, not {history.revisions} revision(s)"
            )
    heads = {tool: run.outcome(tool, "heads").message for tool in TOOLS}
    if heads[MIGRATE] != heads[REMODEL]:
        problems.append(f"heads differ: {heads}")
    return problems, known


# needs_latest keeps the leg out of the minimum-versions run: it drives its own venvs, so
# running it again under .venv-min would only repeat the same work.
@pytest.mark.realapps
@pytest.mark.needs_latest
@pytest.mark.parametrize(("history", "backend"), CASES)
def test_history_has_the_same_outcome_with_both_tools(
    history: AppHistory, backend: str, tmp_path: Path
) -> None:
    with ExitStack() as stack:
        urls = {
            tool: stack.enter_context(fresh_database(backend, tmp_path, tool)) for tool in TOOLS
        }
        try:
            run = run_history(history, backend, urls, tmp_path)
        except AppUnavailable as error:
            unavailable(error)
    problems, known = _problems(run)
    assert not problems, (
        f"{history.label} on {backend}:\n\n" + "\n\n".join(problems) + "\n\n" + table([run])
    )
    if known:
        pytest.xfail("known Flask-Remodel bug(s): " + "; ".join(known))


def test_every_case_runs_steps_both_tools_know() -> None:
    """The expectations name only real steps and backends, so a typo cannot hide a step.

    (Not opt-in: it runs nothing, and a broken apps.py should show in every run.)
    """
    names = {step.name for step in STEPS}
    for history in HISTORIES:
        for backend, steps in history.expected.items():
            assert backend in history.backends, (history.name, backend)
            assert set(steps) <= names, (history.name, set(steps) - names)
        for backend, step in history.known_differences:
            assert backend in history.backends and step in names, (history.name, backend, step)
            migrate_has_it = not next(s for s in STEPS if s.name == step).remodel_only
            assert migrate_has_it, f"{step}: Flask-Migrate has no such step to differ from"
