"""The indexed graph is Alembic's graph, on random histories and odd files.

Each test builds the same folder twice: with Alembic's own loading (which
imports every file) and with the revision index, then compares everything the
commands print or use: heads, bases, order, parents, dependencies, labels,
paths, docs, every output format, label and relative-revision resolution.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from alembic.config import Config
from alembic.script import Script
from alembic.script import ScriptDirectory

from flask_remodel._alembic import use_revision_index

from .histories import IMPORTED_STYLES
from .histories import History
from .histories import draw
from .histories import labels_sorted
from .histories import write_history


def _config(root: Path, locations: list[Path] | None = None, recursive: bool = False) -> Config:
    config = Config()
    config.set_main_option("script_location", str(root))
    config.set_main_option("path_separator", "os")
    if locations:
        config.set_main_option("version_locations", os.pathsep.join(str(p) for p in locations))
    if recursive:
        config.set_main_option("recursive_version_locations", "true")
    return config


def _describe(script: Script) -> tuple[Any, ...]:
    formats = [
        labels_sorted(
            script.cmd_format(verbose, include_branches=b, include_doc=d, include_parents=p)
        )
        for verbose in (False, True)
        for b in (False, True)
        for d in (False, True)
        for p in (False, True)
    ]
    return (
        script.down_revision, script.dependencies, script.branch_labels,
        sorted(script.nextrev), script.path, script.doc, script.longdoc, str(script),
        script.is_head, script.is_base, script.is_branch_point, script.is_merge_point, *formats,
    )


def _resolve(script: ScriptDirectory, name: str) -> Any:
    try:
        return sorted(s.revision for s in script.get_revisions(name) if s is not None)
    except Exception as exc:  # the same names must fail the same way
        return (type(exc).__name__, str(exc))


def snapshot(script: ScriptDirectory, history: History) -> dict[str, Any]:
    walked = list(script.walk_revisions())
    found: dict[str, Any] = {
        "heads": script.get_heads(),
        "bases": script.get_bases(),
        "walk": [s.revision for s in walked],
        "upgrade_order": [s.revision for s in script.iterate_revisions("heads", "base")],
        "branch_points": [s.revision for s in walked if s.is_branch_point],
    }
    for each in walked:
        found[each.revision] = _describe(each)
    names = ["heads", "base", "head"] + [f"{label}@head" for label in history.labels]
    names += [label for label in history.labels]
    if walked:
        names += [walked[-1].revision + "+2", walked[0].revision[:6], walked[0].revision + "-1"]
    for name in names:
        found[f"resolve {name}"] = _resolve(script, name)
    return found


def _compare(config: Config, history: History) -> None:
    indexed = ScriptDirectory.from_config(config)
    use_revision_index(indexed)
    fast = snapshot(indexed, history)
    imported = set(history.imported())
    expected_imports = {r.id for r in history.revisions if r.style in IMPORTED_STYLES}
    assert imported == expected_imports, "the index imported files it could read"

    warm = ScriptDirectory.from_config(config)  # now from the cache
    use_revision_index(warm)
    assert snapshot(warm, history) == fast

    slow = snapshot(ScriptDirectory.from_config(config), history)
    assert set(history.imported()) >= {r.id for r in history.revisions}
    assert fast == slow


@pytest.mark.parametrize("seed", range(6))
def test_random_histories(tmp_path: Path, seed: int) -> None:
    root = tmp_path / "migrations"
    revisions = draw(60, seed, upgradable=seed % 2 == 0)
    history = write_history(root / "versions", revisions, tmp_path / "imported.txt")
    _compare(_config(root), history)


@pytest.mark.parametrize("seed", range(3))
def test_nested_folders_and_two_locations(tmp_path: Path, seed: int) -> None:
    root = tmp_path / "migrations"
    marker = tmp_path / "imported.txt"
    revisions = draw(50, 100 + seed, subdirs=True)
    first, second = revisions[::2], revisions[1::2]
    history = write_history(root / "versions", first, marker)
    write_history(tmp_path / "elsewhere", second, marker)
    history.revisions = revisions
    locations = [root / "versions", tmp_path / "elsewhere"]
    _compare(_config(root, locations, recursive=True), history)


def test_symlinked_revision_file_keeps_alembics_path(tmp_path: Path) -> None:
    root = tmp_path / "migrations"
    revisions = draw(5, 7, odd=False)
    history = write_history(tmp_path / "real", revisions, tmp_path / "imported.txt")
    (root / "versions").mkdir(parents=True)
    for path in sorted((tmp_path / "real").glob("*_step.py")):
        (root / "versions" / path.name).symlink_to(path)
    _compare(_config(root), history)
    indexed = ScriptDirectory.from_config(_config(root))
    use_revision_index(indexed)
    assert all(Path(s.path).parent == tmp_path / "real" for s in indexed.walk_revisions())


def test_running_a_revision_imports_just_that_file(tmp_path: Path) -> None:
    root = tmp_path / "migrations"
    history = write_history(root / "versions", draw(10, 3, odd=False), tmp_path / "m.txt")
    script = ScriptDirectory.from_config(_config(root))
    use_revision_index(script)
    head = script.get_revision(script.get_heads()[0])
    assert history.imported() == []
    assert callable(head.module.upgrade)
    assert history.imported() == [head.revision]
