"""Fixtures for the graph tests: Alembic ``ScriptDirectory`` objects over hand-written files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from flask_remodel.graph import RevisionGraph
from flask_remodel.graph import from_script_directory
from graph.histories import branchy


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """An empty Alembic script folder (``versions/`` inside, no env.py needed)."""
    (tmp_path / "scripts" / "versions").mkdir(parents=True)
    return tmp_path / "scripts"


@pytest.fixture
def load(folder: Path) -> Callable[[], RevisionGraph]:
    """Read *folder* with Alembic and build the graph."""
    return lambda: from_script_directory(ScriptDirectory(str(folder)))


@pytest.fixture
def branchy_ids(folder: Path) -> dict[str, str]:
    return branchy(folder / "versions")
