"""The benchmarks' history generator writes a history Alembic can walk, apply and undo."""

from __future__ import annotations

import importlib.util
import sqlite3
import sys
from pathlib import Path
from types import ModuleType

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

GENERATOR = Path(__file__).resolve().parents[2] / "bench" / "linear_history.py"


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("linear_history", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def tables(database: Path) -> set[str]:
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        found = {name for (name,) in rows}
    connection.close()
    return found


def test_the_history_is_linear_reproducible_and_runs_both_ways(tmp_path: Path) -> None:
    generator = load_generator()
    head = generator.write_history(tmp_path / "a", 17)
    assert generator.write_history(tmp_path / "b", 17) == head  # same seed, same ids

    config = Config(str(tmp_path / "a" / "alembic.ini"))
    script = ScriptDirectory.from_config(config)
    assert script.get_heads() == [head]
    walked = list(script.walk_revisions())
    assert len(walked) == 17
    assert [s.down_revision for s in walked][-1] is None

    command.upgrade(config, "head")
    database = tmp_path / "a" / "bench.db"
    # Revisions 1, 8 and 16 create tables t_0 to t_2; the rest add columns to them.
    assert {"t_0", "t_1", "t_2", "alembic_version"} <= tables(database)
    command.downgrade(config, "base")
    assert tables(database) == {"alembic_version"}


def test_a_different_seed_gives_different_ids(tmp_path: Path) -> None:
    generator = load_generator()
    assert generator.write_history(tmp_path / "a", 3, seed=1) != generator.write_history(
        tmp_path / "b", 3, seed=2
    )
