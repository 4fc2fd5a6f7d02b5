"""The real-apps leg is opt-in: it downloads applications from PyPI and takes minutes.

It runs when ``REMODEL_REAL_APPS=1``, or under ``CI=true`` unless
``REMODEL_REAL_APPS=0``; otherwise its tests are skipped with a message that
says how to run them. Select it alone with ``-m realapps``.
"""

from __future__ import annotations

import os

import pytest

from support.databases import in_ci

ENABLE_ENV = "REMODEL_REAL_APPS"


def enabled() -> bool:
    value = os.environ.get(ENABLE_ENV, "").strip().lower()
    if value in {"1", "true", "yes"}:
        return True
    if value in {"0", "false", "no"}:
        return False
    return in_ci()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"realapps: runs a real application's published migration history with Flask-Migrate"
        f" and Flask-Remodel (opt-in: {ENABLE_ENV}=1, or CI=true)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if enabled():
        return
    skip = pytest.mark.skip(
        reason=f"real apps' histories are opt-in: set {ENABLE_ENV}=1 (CI=true runs them)"
    )
    for item in items:
        if item.get_closest_marker("realapps") is not None:
            item.add_marker(skip)
