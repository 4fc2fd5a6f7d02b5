"""Where the tests keep what they download from PyPI between runs, and a lock for filling it.

``$REMODEL_TEST_CACHE``, else ``$XDG_CACHE_HOME/flask-remodel-tests``, else
``~/.cache/flask-remodel-tests``. Nothing in it is part of the repository.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

CACHE_ENV = "REMODEL_TEST_CACHE"


def cache_root() -> Path:
    explicit = os.environ.get(CACHE_ENV, "").strip()
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(xdg) if xdg else Path.home() / ".cache") / "flask-remodel-tests"


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on *path*: test workers (pytest -n) and concurrent runs
    fill each cache entry once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
