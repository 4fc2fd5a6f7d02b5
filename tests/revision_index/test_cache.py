"""The header cache: reused when files are unchanged, rebuilt silently otherwise."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from flask_remodel.revision_index import CACHE_DIR
from flask_remodel.revision_index import HeaderCache
from flask_remodel.revision_index import index as index_module
from flask_remodel.revision_index import read_headers
from flask_remodel.revision_index.payload import seal
from flask_remodel.revision_index.payload import unseal

OLD_NS = 1_600_000_000 * 10**9  # files "written" long before any cache


def _file(folder: Path, rev: str, down: str | None = None) -> str:
    path = folder / f"{rev}.py"
    path.write_text(f"revision = {rev!r}\ndown_revision = {down!r}\n")
    os.utime(path, ns=(OLD_NS, OLD_NS))
    return str(path)


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Every source the index parses (rather than taking from the cache)."""
    seen: list[bytes] = []
    real = index_module.read_header

    def counting(source: bytes) -> object:
        seen.append(source)
        return real(source)

    monkeypatch.setattr(index_module, "read_header", counting)
    return seen


def _read(tmp_path: Path, paths: list[str]) -> dict[str, object]:
    return dict(read_headers(paths, HeaderCache(tmp_path, [str(tmp_path)])))


def test_unchanged_files_are_not_read_again(tmp_path: Path, parses: list[bytes]) -> None:
    paths = [_file(tmp_path, "a1"), _file(tmp_path, "b2", "a1")]
    first = _read(tmp_path, paths)
    assert len(parses) == 2
    assert (tmp_path / CACHE_DIR / ".gitignore").read_text().splitlines()[-1] == "*"
    assert _read(tmp_path, paths) == first
    assert len(parses) == 2


def test_an_edited_file_is_read_again(tmp_path: Path, parses: list[bytes]) -> None:
    paths = [_file(tmp_path, "a1"), _file(tmp_path, "b2", "a1")]
    _read(tmp_path, paths)
    Path(paths[1]).write_text("revision = 'b2'\ndown_revision = None\n")
    headers = _read(tmp_path, paths)
    assert len(parses) == 3
    assert headers[paths[1]].down_revision is None


def test_a_touched_file_keeps_its_header_without_a_parse(
    tmp_path: Path, parses: list[bytes]
) -> None:
    paths = [_file(tmp_path, "a1")]
    _read(tmp_path, paths)
    os.utime(paths[0], ns=(OLD_NS + 5 * 10**9, OLD_NS + 5 * 10**9))  # a fresh checkout
    _read(tmp_path, paths)
    assert len(parses) == 1


def test_an_edit_within_the_same_clock_tick_is_seen(tmp_path: Path, parses: list[bytes]) -> None:
    path = tmp_path / "a1.py"
    path.write_text("revision = 'a1'\ndown_revision = None\n")
    _read(tmp_path, [str(path)])
    mtime = path.stat().st_mtime_ns
    path.write_text("revision = 'a2'\ndown_revision = None\n")  # same size
    os.utime(path, ns=(mtime, mtime))  # and the same (coarse) timestamp
    header = _read(tmp_path, [str(path)])[str(path)]
    assert header.revision == "a2"


def _resealed(change: Callable[[dict[str, Any]], object]) -> Callable[[bytes], bytes]:
    """Damage that keeps the seal valid, as if the cache had been written that way."""

    def damage(raw: bytes) -> bytes:
        data = unseal(raw)
        return seal(change(data))

    return damage


def _each_entry(change: Callable[[list[Any]], object]) -> Callable[[bytes], bytes]:
    return _resealed(
        lambda data: {**data, "files": {p: change(e) for p, e in data["files"].items()}}
    )


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: raw[: len(raw) // 2],
        lambda raw: b"[]",
        lambda raw: raw.replace(b'"revision":"a1"', b'"revision":7'),  # the seal no longer fits
        _resealed(lambda data: {**data, "key": "format=0"}),  # another install's
        _resealed(lambda data: [data]),
        _resealed(lambda data: {**data, "looked_ns": True}),
        _resealed(lambda data: {**data, "extra": 1}),
        _each_entry(lambda e: [*e[:4], "xyz", e[5]]),  # not a hash
        _each_entry(lambda e: [*e[:5], {**e[5], "revision": 7}]),
        _each_entry(lambda e: [*e[:5], {**e[5], "extra": None}]),
        _each_entry(lambda e: [*e[:5], {**e[5], "depends_on": [1]}]),
        _each_entry(lambda e: [-1, *e[1:]]),  # a negative size
        _each_entry(lambda e: [False, *e[1:]]),  # JSON's false is no size
        _each_entry(lambda e: e[:5]),
    ],
)
def test_a_corrupt_or_foreign_cache_is_rebuilt(
    tmp_path: Path, parses: list[bytes], damage: Callable[[bytes], bytes]
) -> None:
    paths = [_file(tmp_path, "a1")]
    expected = _read(tmp_path, paths)
    (cache_file,) = (tmp_path / CACHE_DIR).glob("*.json")
    cache_file.write_bytes(damage(cache_file.read_bytes()))
    assert _read(tmp_path, paths) == expected
    assert len(parses) == 2
    assert _read(tmp_path, paths) == expected  # and it was written back whole
    assert len(parses) == 2


def test_an_unwritable_cache_folder_is_not_an_error(tmp_path: Path) -> None:
    (tmp_path / CACHE_DIR).write_text("a file where the folder should be")
    paths = [_file(tmp_path, "a1")]
    assert _read(tmp_path, paths)[paths[0]].revision == "a1"
