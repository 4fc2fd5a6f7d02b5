"""The on-disk cache of revision headers.

One JSON file per set of version locations, in ``<migrations>/.remodel-cache/``
(a folder that ignores itself in git). An entry is trusted when the file's size
and modification time (nanoseconds) are the ones recorded; when they differ
but the content hash is the same (a fresh checkout, a ``touch``), the header is
reused without parsing. A file modified within two seconds of the cache being
written is always re-hashed, since coarse file-system clocks could hide a
second edit in the same tick.

The cache is an optimisation only: one that cannot be read, is from another
Flask-Remodel or Alembic version, or cannot be written (a read-only folder in
a container) is ignored or rebuilt without a word.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version
from pathlib import Path
from typing import Any

from .header import Header

CACHE_DIR = ".remodel-cache"
#: Bump when the header reader or the file layout changes meaning.
FORMAT = 1
# How close to the cache's own write time a file's mtime must be to be re-hashed.
_RACY_NS = 2_000_000_000


@dataclass
class Entry:
    size: int
    mtime_ns: int
    digest: str
    header: Header | None  # None: the file must be imported


def digest(content: bytes) -> str:
    return hashlib.blake2b(content, digest_size=16).hexdigest()


@lru_cache(maxsize=1)
def versions_key() -> str:
    """What makes a cache from another install meaningless."""
    found = []
    for name in ("flask-remodel", "alembic"):
        try:
            found.append(f"{name}={version(name)}")
        except PackageNotFoundError:
            found.append(f"{name}=?")
    # Bytecode and syntax differ between Python versions, and so may what is read.
    python = "python={}.{}".format(*sys.version_info[:2])
    return f"format={FORMAT};{python};" + ";".join(found)


class HeaderCache:
    """The cache file for the revision files under *locations*."""

    def __init__(self, folder: str | os.PathLike[str], locations: Iterable[str]) -> None:
        self.locations = [str(location) for location in locations]
        name = digest("\0".join(self.locations).encode("utf-8"))[:16]
        self.directory = Path(folder) / CACHE_DIR
        self.path = self.directory / f"revisions-{name}.json"
        self.written_ns = 0

    def load(self) -> dict[str, Entry]:
        try:
            with open(self.path, encoding="utf-8") as f:
                data = json.load(f)
            if data.get("key") != versions_key() or data.get("locations") != self.locations:
                return {}
            self.written_ns = int(data["written_ns"])
            return {path: _entry(raw) for path, raw in data["files"].items()}
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return {}  # missing, corrupt or foreign: rebuilt from the files

    def save(self, entries: dict[str, Entry]) -> None:
        data = {
            "key": versions_key(),
            "locations": self.locations,
            "written_ns": time.time_ns(),
            "files": {path: _raw(entry) for path, entry in entries.items()},
        }
        temporary = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        try:
            self.directory.mkdir(exist_ok=True)
            ignore = self.directory / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# Written by Flask-Remodel: a cache, never commit it.\n*\n")
            with open(temporary, "w", encoding="utf-8") as f:
                json.dump(data, f, separators=(",", ":"))
            os.replace(temporary, self.path)  # readers see the old file or the new one
        except OSError:  # a read-only folder: run without a cache
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)

    def is_racy(self, entry: Entry) -> bool:
        return entry.mtime_ns + _RACY_NS > self.written_ns


def _raw(entry: Entry) -> list[Any]:
    header = None if entry.header is None else entry.header.to_json()
    return [entry.size, entry.mtime_ns, entry.digest, header]


def _entry(raw: Any) -> Entry:
    size, mtime_ns, hashed, header = raw
    if not (isinstance(size, int) and isinstance(mtime_ns, int) and isinstance(hashed, str)):
        raise ValueError("not a cache entry")
    return Entry(size, mtime_ns, hashed, None if header is None else Header.from_json(header))
