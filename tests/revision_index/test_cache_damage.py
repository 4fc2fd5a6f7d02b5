"""A damaged cache, or a file edited behind the cache's back, never gives a wrong answer.

Each case writes a random history, lets the index build its cache, then damages
the cache (or edits a revision file keeping its size and modification time) in
one seeded random way, and compares the heads and the newest-first walk with
what Alembic finds by importing every file. Nothing may raise.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from flask_remodel._alembic import use_revision_index
from flask_remodel.revision_index import CACHE_DIR
from flask_remodel.revision_index.payload import seal
from flask_remodel.revision_index.payload import unseal
from flask_remodel.revision_index.plain import plain_folder_graph

from .histories import History
from .histories import draw
from .histories import write_history

OLD_NS = 1_600_000_000 * 10**9  # long before the cache is written: never "racy"
_HEX_DIGITS = "0123456789abcdef"

Answers = tuple[list[str], list[tuple[str, Any]]]


def _project(tmp_path: Path, seed: int, plain: bool) -> tuple[Path, History]:
    root = tmp_path / "migrations"
    revisions = draw(30, seed, odd=not plain, plain=plain)
    history = write_history(root / "versions", revisions, tmp_path / "imported.txt")
    (root / "env.py").write_text("")  # the fast path's "this is a migrations folder"
    (root / "alembic.ini").write_text("[alembic]\n")
    for path in (root / "versions").iterdir():
        os.utime(path, ns=(OLD_NS, OLD_NS))
    return root, history


def _config(root: Path) -> Config:
    config = Config()
    config.set_main_option("script_location", str(root))
    config.set_main_option("path_separator", "os")
    return config


def _answers(script: Any) -> Answers:
    walk = [(s.revision, s.down_revision) for s in script.walk_revisions()]
    return sorted(script.get_heads()), walk


def _indexed(root: Path) -> Answers:
    script = ScriptDirectory.from_config(_config(root))
    use_revision_index(script)
    return _answers(script)


def _fast(root: Path) -> Answers | None:
    graph = plain_folder_graph(str(root))
    if graph is None:
        return None
    walk = [(each.revision, _down(each.parents)) for each in graph.walk()]
    return sorted(each.revision for each in graph.heads()), walk


def _down(parents: tuple[str, ...]) -> Any:
    return None if not parents else parents[0] if len(parents) == 1 else parents


def _imported(root: Path) -> Answers:
    """Alembic's answers from importing the files as they are now."""
    # Python's bytecode cache checks only a source's size and mtime (in seconds),
    # so after an edit that keeps both it would run the old code: the truth here
    # is the files' text.
    for cached in root.rglob("__pycache__"):
        shutil.rmtree(cached)
    return _answers(ScriptDirectory.from_config(_config(root)))


# --- ways to damage the cache file's bytes -------------------------------------------------


def _flip_digit(raw: bytes, rng: random.Random) -> bytes:
    """One hex digit changed, anywhere: the seal, a size, a time, a hash or an id."""
    spots = [i for i, b in enumerate(raw) if chr(b) in _HEX_DIGITS]
    at = rng.choice(spots)
    new = rng.choice([c for c in _HEX_DIGITS if ord(c) != raw[at]])
    return raw[:at] + new.encode() + raw[at + 1 :]


def _body(raw: bytes) -> Any:
    return json.loads(raw.split(b"\n", 1)[1])


def _with_old_seal(raw: bytes, data: Any) -> bytes:
    return raw.split(b"\n", 1)[0] + b"\n" + json.dumps(data, separators=(",", ":")).encode()


def _swap_entries(raw: bytes, rng: random.Random, reseal: bool = False) -> bytes:
    """Two entries' headers (or hashes) swapped, as a bad merge of the file would."""
    data = _body(raw)
    first, second = rng.sample(sorted(data["files"]), 2)
    field = rng.choice([4, 5])
    a, b = data["files"][first], data["files"][second]
    a[field], b[field] = b[field], a[field]
    return seal(data) if reseal else _with_old_seal(raw, data)


_ODD_VALUES = [
    "1e999", "-1e999", "NaN", "Infinity", "-Infinity", "1.5", "true", "null", '"x"', "[]",
    "{}", "9" * 5000, "[" * 100_000 + "]" * 100_000,
]


def _odd_value(raw: bytes, rng: random.Random) -> bytes:
    """A number of the file replaced by a value the cache never writes, seal kept or remade."""
    text = raw.decode()
    seal_line, body = text.split("\n", 1)
    numbers = [m.span() for m in re.finditer(r"(?<=[,\[:])-?\d+(?=[,\]}])", body)]
    start, end = rng.choice(numbers)
    odd = rng.choice(_ODD_VALUES)
    body = body[:start] + odd + body[end:]
    if rng.random() < 0.5:
        return f"{seal_line}\n{body}".encode()
    return _remade_seal(body.encode())


def _remade_seal(body: bytes) -> bytes:
    """*body* sealed as the cache seals it: the checks after the seal must catch it."""
    return hashlib.blake2b(body, digest_size=16).hexdigest().encode() + b"\n" + body


def _deep_nesting(raw: bytes, rng: random.Random) -> bytes:
    depth = rng.choice([1_000, 100_000, 1_000_000])
    body = ("[" * depth + "]" * depth).encode()
    if rng.random() < 0.5:
        body = b'{"key":' + body + b"}"
    return _remade_seal(body) if rng.random() < 0.5 else raw.split(b"\n", 1)[0] + b"\n" + body


def _truncate(raw: bytes, rng: random.Random) -> bytes:
    return raw[: rng.randrange(len(raw))]


def _foreign_keys(raw: bytes, rng: random.Random) -> bytes:
    """A sound seal over a document that is not the cache's (wrong types in places)."""
    data = unseal(raw)
    path = rng.choice(sorted(data["files"]))
    entry = data["files"][path]
    choice = rng.randrange(4)
    if choice == 0:
        entry[rng.randrange(4)] = str(entry[0])
    elif choice == 1:
        entry.append(None)
    elif choice == 2 and entry[5] is not None:
        entry[5]["down_revision"] = {"a": 1}
    else:
        data["files"] = list(data["files"].values())
    return seal(data)


def _swap_resealed(raw: bytes, rng: random.Random) -> bytes:
    """Sizes and times swapped between two entries, sealed: the stat no longer proves them."""
    data = unseal(raw)
    first, second = rng.sample(sorted(data["files"]), 2)
    a, b = data["files"][first], data["files"][second]
    for field in range(4):
        a[field], b[field] = b[field], a[field]
    return seal(data)


DAMAGES: dict[str, Callable[[bytes, random.Random], bytes]] = {
    "flip_digit": _flip_digit,
    "swap_entries": _swap_entries,
    "swap_stats_resealed": _swap_resealed,
    "odd_value": _odd_value,
    "deep_nesting": _deep_nesting,
    "truncate": _truncate,
    "foreign_keys": _foreign_keys,
}


def _damage_cache(root: Path, damage: Callable[[bytes, random.Random], bytes], seed: int) -> None:
    files = sorted((root / CACHE_DIR).glob("*.json"))
    assert files, "the index wrote no cache"
    rng = random.Random(seed)
    for cache in files:
        cache.write_bytes(damage(cache.read_bytes(), rng))


def _edit_keeping_size_and_mtime(root: Path, history: History, seed: int) -> None:
    """One file's parent changed to another id of the same length, its mtime put back."""
    rng = random.Random(seed)
    ids = [r.id for r in history.revisions]
    candidates = [(i, r) for i, r in enumerate(history.revisions) if len(r.down) == 1 and i > 1]
    index, revision = rng.choice(candidates)
    others = [x for x in ids[:index] if x != revision.down[0]]
    new_parent = rng.choice(others)
    (path,) = (root / "versions").glob(f"{revision.id}_*.py")
    before = path.stat()
    text = path.read_text(encoding="latin-1")
    old = revision.down[0]
    edited = text.replace(f"down_revision = '{old}'", f"down_revision = '{new_parent}'")
    edited = edited.replace(f"down_revision = ['{old}']", f"down_revision = ['{new_parent}']")
    edited = edited.replace(f"= '{old}'\nbranch", f"= '{new_parent}'\nbranch")
    assert edited != text and len(edited) == len(text)
    path.write_text(edited, encoding="latin-1")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)


def _check(root: Path, plain: bool) -> None:
    truth = _imported(root)
    assert _indexed(root) == truth
    fast = _fast(root)
    if plain:
        assert fast == truth
    # And once more, from whatever the index wrote back.
    assert _indexed(root) == truth
    if plain:
        assert _fast(root) == truth


@pytest.mark.parametrize("seed", range(28))
def test_a_damaged_cache_gives_the_answers_of_importing_every_file(
    tmp_path: Path, seed: int
) -> None:
    plain = seed % 2 == 0
    root, _ = _project(tmp_path, seed, plain)
    first = _indexed(root)
    fast = _fast(root)
    assert (fast is not None) == plain
    name = sorted(DAMAGES)[seed % len(DAMAGES)]
    _damage_cache(root, DAMAGES[name], seed)
    assert _imported(root) == first
    _check(root, plain)


@pytest.mark.parametrize("seed", range(8))
def test_a_same_size_edit_with_the_mtime_put_back_is_seen(tmp_path: Path, seed: int) -> None:
    plain = seed % 2 == 0
    root, history = _project(tmp_path, 1000 + seed, plain)
    _indexed(root)
    _fast(root)
    before = _imported(root)
    _edit_keeping_size_and_mtime(root, history, seed)
    truth = _imported(root)
    assert truth != before, "the edit must change the graph for the test to mean anything"
    _check(root, plain)
