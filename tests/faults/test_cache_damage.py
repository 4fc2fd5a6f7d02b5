"""The revision cache damaged, or a revision file edited behind its back, between commands.

``migrations/.remodel-cache`` lets ``heads``, ``history``, ``current`` and a no-op
``upgrade`` skip importing the revision files. Each trial builds it with
``heads`` and ``history``, then damages it in one seeded random way: a random
byte flipped, a hex digit changed, the file cut short, a value the cache never
writes (``1e999``, ``Infinity``, deep nesting...), entries swapped or foreign,
with the seal kept or remade (the cases of tests/revision_index/test_cache_damage.py,
here through the commands); or edits a revision file keeping its size and putting
its modification time back (its message, or its parent). Then ``heads`` and
``history`` must answer as they do with no cache at all, and ``upgrade`` must
reach head along the real chain (or refuse the two heads a parent edit makes),
never an error or a wrong answer: a bad cache is rebuilt silently.
"""

from __future__ import annotations

import os
import random
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from flask_remodel.revision_index import CACHE_DIR
from revision_index.test_cache_damage import DAMAGES

from .history import HEAD
from .trial import FaultProject
from .trial import check_recovered
from .trial import trial_count
from .trial import trial_random

# The main leg only, with the other fault trials; the cache is the same on every
# database, so SQLite alone.
pytestmark = [pytest.mark.faults, pytest.mark.backends("sqlite")]


def _flip_byte(raw: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(raw))
    return raw[:at] + bytes([raw[at] ^ (1 << rng.randrange(8))]) + raw[at + 1 :]


DAMAGE = {"flip_byte": _flip_byte, **DAMAGES}
EDITS = ("edit message", "edit parent")


def _edit_keeping_size_and_mtime(versions: Path, kind: str) -> None:
    """``r5``'s message, or ``r3``'s parent (``r2`` to ``r1``: two heads), same size."""
    name, old, new = (
        ("r5_step.py", '"""step r5"""', '"""step R5"""') if kind == "edit message"
        else ("r3_step.py", "down_revision = 'r2'", "down_revision = 'r1'")
    )
    path = versions / name
    before = path.stat()
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    for compiled in versions.rglob("__pycache__"):  # its check is size and mtime too
        shutil.rmtree(compiled)


def _answers(project: FaultProject) -> tuple[str, str]:
    """``heads`` and ``history``, each in a process of its own (nothing kept in memory)."""
    found = []
    for command in ("heads", "history"):
        ran = project.command(command)
        assert ran.returncode == 0, f"{command}: exit {ran.returncode}\n{ran.output}"
        found.append(ran.output)
    return found[0], found[1]


def _truth(project: FaultProject) -> tuple[str, str]:
    """What ``heads`` and ``history`` say with no cache (it is built again after)."""
    shutil.rmtree(project.root / "migrations" / CACHE_DIR, ignore_errors=True)
    return _answers(project)


@pytest.mark.parametrize("trial", range(trial_count()))
def test_a_damaged_cache_never_gives_a_wrong_answer(
    fault_project: Callable[..., FaultProject], backend: str, trial: int,
    record_property: Callable[[str, object], None],
) -> None:
    project = fault_project()
    rng = trial_random("cache", backend, trial)
    kinds = [*sorted(DAMAGE), *EDITS]
    kind = kinds[trial % len(kinds)] if trial < len(kinds) else rng.choice(kinds)
    row = {"what": "revision cache damaged", "database": backend, "fault": kind}
    record_property("fault_trial", row)
    context = f"trial {trial}: {kind}"

    _answers(project)  # builds the cache
    cache = project.root / "migrations" / CACHE_DIR
    files = sorted(cache.glob("*.json"))
    assert files, "heads and history wrote no cache"
    if kind in EDITS:
        _edit_keeping_size_and_mtime(project.root / "migrations" / "versions", kind)
    else:
        for path in files:
            path.write_bytes(DAMAGE[kind](path.read_bytes(), rng))

    answers = _answers(project)  # exit 0, or the test fails here
    assert answers == _answers(project), f"{context}: the rebuilt cache answers otherwise"
    truth = _truth(project)
    assert answers == truth, f"{context}: {answers} but with no cache {truth}"
    if kind == "edit message":
        assert "step R5" in answers[1], context
    result = project.upgrade()
    if kind == "edit parent":  # r2 and r7 are both heads now: no chain to apply
        assert result.returncode != 0 and "head" in result.output, f"{context}: {result.output}"
        assert project.version() == "r1", context
        row["status"], row["recovery"] = "two heads, refused", "-"
        return
    assert result.returncode == 0, f"{context}: {result.output}"
    assert project.version() == HEAD, context
    check_recovered(project, context)
    row["status"], row["recovery"] = "right answers", "upgrade"
