"""The revision index: every revision file's header, from the cache or read statically.

:func:`read_headers` is what replaces importing every file. It stats each file,
takes the header from the cache when the stat proves the file unchanged, reads
and hashes the others (parsing only those whose content changed), and writes
the cache back when anything was new.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence

from .cache import Entry
from .cache import HeaderCache
from .cache import digest
from .header import Header
from .header import read_header


def read_headers(paths: Sequence[str], cache: HeaderCache | None) -> dict[str, Header | None]:
    """The header of each file in *paths* (``None``: import that file to learn it)."""
    known = cache.load() if cache is not None else {}
    # Taken before the first stat: a file changed while (or just before) the files
    # are looked at has times near this, and is hashed again next time.
    looked_ns = time.time_ns()
    entries: dict[str, Entry] = {}
    changed = len(known) != len(paths)
    for path in paths:
        stat = os.stat(path)
        entry = known.get(path)
        if (
            entry is not None
            and entry.same_file(stat)
            and not (cache is not None and cache.is_racy(entry))
        ):
            entries[path] = entry
            continue
        with open(path, "rb") as f:
            content = f.read()
        hashed = digest(content)
        if entry is None or entry.digest != hashed:
            header = read_header(content)
        else:
            # Same content: a touched file, or one re-hashed for being recent.
            header = entry.header
        fresh = Entry.of(stat, hashed, header)
        # Saving moves the look-up time on, so a re-hashed recent file stops being racy.
        changed = changed or fresh != entry or (cache is not None and cache.is_racy(fresh))
        entries[path] = fresh
    if cache is not None and (changed or set(known) != set(entries)):
        cache.save(entries, looked_ns)
    return {path: entry.header for path, entry in entries.items()}
