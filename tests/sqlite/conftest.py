"""Fixtures for the SQLite safety tests (helpers live in helpers.py).

No Flask here: the tests drive ``MigrationContext`` and ``Operations``
directly, the way the migration runner does under ``env.py``. The
PostgreSQL and MariaDB databases come from the ``database_url`` fixture of
the shared ``tests/conftest.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from flask_remodel.sqlite import install_sqlite_rebuilds
from sqlite.helpers import StatementLog
from sqlite.helpers import sqlite_engine


@pytest.fixture(autouse=True)
def _rebuilds_installed() -> None:
    # Importing flask_remodel installs them; said again so the tests do not
    # depend on that import side effect.
    install_sqlite_rebuilds()


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[sa.engine.Engine]:
    """A database whose connections enforce foreign keys, as many apps set it up."""
    created = sqlite_engine(tmp_path / "app.db", enforce_foreign_keys=True)
    yield created
    created.dispose()


@pytest.fixture
def plain_engine(tmp_path: Path) -> Iterator[sa.engine.Engine]:
    """A database with SQLite's defaults (foreign keys not enforced)."""
    created = sqlite_engine(tmp_path / "plain.db", enforce_foreign_keys=False)
    yield created
    created.dispose()


@pytest.fixture
def statement_log() -> StatementLog:
    return StatementLog()
