"""The on-disk cache of revision headers.

One file per set of version locations, in ``<migrations>/.remodel-cache/``
(a folder that ignores itself in git). The cache is an optimisation that must
never answer differently from reading the files, so nothing in it is trusted
on its word:

* The file is sealed with a hash of its content (:mod:`.payload`) and every
  field is checked on load. A damaged, truncated, foreign or odd file (one
  from another Flask-Remodel, Alembic or Python version, a flipped byte, NaN,
  nesting a thousand deep) is rebuilt without a word, never an error.
* An entry is reused without opening its file only when the file's size,
  modification time, inode change time and inode number are all the recorded
  ones. The change time (``st_ctime`` on POSIX) is set by the kernel on every
  write and every ``utime``, and no program can set it back, so an edit of the
  same size with the modification time restored is still seen. Where the
  change time is not that (Windows, where ``st_ctime`` is the creation time),
  every file is hashed.
* A file whose times fall within two seconds before the files were last
  looked at, or after, is hashed again: a coarse file-system clock could hide
  a second edit in the same tick.
* When the times differ but the content hash is the same (a fresh checkout, a
  ``touch``), the header is reused without parsing.

A cache folder that cannot be written (a read-only container image) just
means no cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import string
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version
from pathlib import Path
from typing import Any

from .header import Header
from .payload import Unreadable
from .payload import seal
from .payload import unseal

CACHE_DIR = ".remodel-cache"
#: Bump when the header reader or the file layout changes meaning.
FORMAT = 2
# How close to the time the files were looked at a file's times must be to be re-hashed.
_RACY_NS = 2_000_000_000
# Whether st_ctime is the inode change time, which no program can set back (POSIX).
_CHANGE_TIME_IS_KERNEL_KEPT = os.name != "nt"
_HEX = frozenset(string.hexdigits.lower())


@dataclass(slots=True)  # not frozen: a frozen __init__ costs 10 ms per 10,000 loaded
class Entry:
    size: int
    mtime_ns: int
    ctime_ns: int
    inode: int
    digest: str
    header: Header | None  # None: the file must be imported

    @classmethod
    def of(cls, stat: os.stat_result, hashed: str, header: Header | None) -> Entry:
        return cls(stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, hashed, header)

    def same_file(self, stat: os.stat_result) -> bool:
        """Whether *stat* proves the file unchanged since this entry was made."""
        return (
            _CHANGE_TIME_IS_KERNEL_KEPT
            and self.size == stat.st_size
            and self.mtime_ns == stat.st_mtime_ns
            and self.ctime_ns == stat.st_ctime_ns
            and self.inode == stat.st_ino
        )


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
        self.looked_ns = 0
        """When the files were last looked at, before the first was stat'd."""

    def load(self) -> dict[str, Entry]:
        """The entries of a sound cache file; empty when there is none (or it is not sound)."""
        try:
            raw = self.path.read_bytes()
        except OSError:
            return {}
        try:
            data = unseal(raw)
            if not (isinstance(data, dict) and set(data) == _TOP_KEYS):
                return {}
            if data["key"] != versions_key() or data["locations"] != self.locations:
                return {}
            looked_ns, files = data["looked_ns"], data["files"]
            if not (_is_int(looked_ns) and isinstance(files, dict)):
                return {}
            entries = {path: _entry(raw_entry) for path, raw_entry in files.items()}
        except (Unreadable, ValueError):
            return {}
        self.looked_ns = looked_ns
        return entries

    def save(self, entries: dict[str, Entry], looked_ns: int) -> None:
        """Write *entries*, found by looking at the files from *looked_ns* on."""
        data = {
            "key": versions_key(),
            "locations": self.locations,
            "looked_ns": looked_ns,
            "files": {path: _raw(entry) for path, entry in entries.items()},
        }
        temporary = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        try:
            self.directory.mkdir(exist_ok=True)
            ignore = self.directory / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# Written by Flask-Remodel: a cache, never commit it.\n*\n")
            temporary.write_bytes(seal(data))
            os.replace(temporary, self.path)  # readers see the old file or the new one
        except OSError:  # a read-only folder: run without a cache
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)

    def is_racy(self, entry: Entry) -> bool:
        """Whether the file could have changed again in the clock tick it was looked at."""
        return max(entry.mtime_ns, entry.ctime_ns) + _RACY_NS > self.looked_ns


_TOP_KEYS = frozenset({"key", "locations", "looked_ns", "files"})


def _raw(entry: Entry) -> list[Any]:
    header = None if entry.header is None else entry.header.to_json()
    return [entry.size, entry.mtime_ns, entry.ctime_ns, entry.inode, entry.digest, header]


def _is_int(value: object) -> bool:
    return type(value) is int  # not bool, which JSON's true would give (bool is an int)


def _entry(raw: object) -> Entry:
    """The entry stored as *raw*; ``ValueError`` unless every field has its type."""
    if not (isinstance(raw, list) and len(raw) == 6):
        raise ValueError("not a cache entry")
    size, mtime_ns, ctime_ns, inode, hashed, header = raw
    if not (
        type(size) is int  # not bool, which JSON's true would give
        and type(mtime_ns) is int
        and type(ctime_ns) is int
        and type(inode) is int
        and size >= 0
        and inode >= 0
        and isinstance(hashed, str)
        and len(hashed) == 32
        and _HEX.issuperset(hashed)
    ):
        raise ValueError("not a cache entry")
    return Entry(
        size, mtime_ns, ctime_ns, inode, hashed,
        None if header is None else Header.from_json(header),
    )
