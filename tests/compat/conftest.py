"""The Flask-Migrate vs Flask-Remodel table of test_flask_migrate_releases.py.

Printed at the end of the run when REMODEL_COMPAT_TABLE is set::

    REMODEL_COMPAT_TABLE=1 .venv/bin/python -m pytest tests/compat/test_flask_migrate_releases.py -q

Each case's tests record ``(case, backend, tool, outcome)`` as a user property;
a case whose outcome is the same on every backend takes one line.
"""

from __future__ import annotations

import os
from collections import defaultdict

import pytest

_TOOLS = {"remodel": "Flask-Remodel", "flask_migrate": "Flask-Migrate 4.1"}


def _outcomes(reporter: pytest.TerminalReporter) -> dict[str, dict[str, dict[str, str]]]:
    """case -> tool -> backend -> outcome, in the order the cases ran."""
    found: dict[str, dict[str, dict[str, str]]] = defaultdict(lambda: defaultdict(dict))
    for reports in reporter.stats.values():
        for report in reports:
            if getattr(report, "when", None) != "call":
                continue
            for name, value in getattr(report, "user_properties", ()):
                if name == "compat_outcome":
                    case, backend, tool, outcome = value
                    found[case][tool][backend] = outcome
    return found


def _cell(by_backend: dict[str, str]) -> str:
    if not by_backend:
        return "not run"
    if len(set(by_backend.values())) == 1:
        return next(iter(by_backend.values()))
    return "; ".join(f"{backend}: {outcome}" for backend, outcome in by_backend.items())


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not os.environ.get("REMODEL_COMPAT_TABLE"):
        return
    found = _outcomes(terminalreporter)
    if not found:
        return
    write = terminalreporter.write_line
    terminalreporter.section("Flask-Migrate releases' env.py: Flask-Remodel vs Flask-Migrate 4.1")
    rows = []
    for case in sorted(found, key=_case_order):
        tools = found[case]
        backends = sorted({b for outcomes in tools.values() for b in outcomes}, key=_backend_order)
        rows.append([case, ", ".join(backends), *(_cell(tools.get(tool, {})) for tool in _TOOLS)])
    header = ["case", "backends", *_TOOLS.values()]
    # Every column but the last (Flask-Migrate's, with its long errors) is padded.
    widths = [max(len(row[i]) for row in [header, *rows]) + 2 for i in range(len(header) - 1)]
    for row in [header, *rows]:
        write("".join(f"{cell:<{w}}" for cell, w in zip(row[:-1], widths, strict=True)) + row[-1])


def _backend_order(backend: str) -> int:
    return ("sqlite", "postgresql", "mariadb").index(backend)


# The table's blocks of cases, in order: a case belongs to the first whose
# prefix its id starts with ("flask-multidb-" is looked for before "flask-").
_CASE_KINDS = (
    ("flask-multidb-", 1), ("flask-", 0), ("aioflask-multidb-", 3), ("aioflask-", 2),
    ("alchemical-", 4), ("edited-", 5),
)  # fmt: skip


def _case_order(case: str) -> tuple[int, str]:
    block = next((rank for prefix, rank in _CASE_KINDS if case.startswith(prefix)), 6)
    return (block, case)
