"""The revision index: every revision file's header, from the cache or read statically.

:func:`read_headers` is what replaces importing every file. It stats each file,
takes the header from the cache when the file is unchanged, reads and parses
the files that changed, and writes the cache back when anything was new.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from .cache import Entry
from .cache import HeaderCache
from .cache import digest
from .header import Header
from .header import read_header


def read_headers(paths: Sequence[str], cache: HeaderCache | None) -> dict[str, Header | None]:
    """The header of each file in *paths* (``None``: import that file to learn it)."""
    known = cache.load() if cache is not None else {}
    entries: dict[str, Entry] = {}
    changed = len(known) != len(paths)
    for path in paths:
        stat = os.stat(path)
        entry = known.get(path)
        fresh = (
            entry is not None
            and entry.size == stat.st_size
            and entry.mtime_ns == stat.st_mtime_ns
            and not (cache is not None and cache.is_racy(entry))
        )
        if not fresh:
            with open(path, "rb") as f:
                content = f.read()
            hashed = digest(content)
            if entry is None or entry.digest != hashed:
                entry = Entry(stat.st_size, stat.st_mtime_ns, hashed, read_header(content))
                changed = True
            else:
                # Same content: a touched file, or one re-hashed for being recent.
                # Saving moves the cache's write time on, so it stops being racy.
                entry = Entry(stat.st_size, stat.st_mtime_ns, hashed, entry.header)
                changed = True
        assert entry is not None
        entries[path] = entry
    if cache is not None and (changed or set(known) != set(entries)):
        cache.save(entries)
    return {path: entry.header for path, entry in entries.items()}
