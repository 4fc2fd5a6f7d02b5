"""Scratch databases: created for one test run, dropped after it.

On SQLite a file in a new temporary folder; on PostgreSQL and MariaDB/MySQL a
``CREATE DATABASE remodel_test_<hex>`` on the server of the URL given, through
a short-lived autocommit connection (``CREATE DATABASE`` cannot run inside a
transaction on PostgreSQL). The URL's own database is never written to.
Each database makes its own (:meth:`flask_remodel.dialects.DialectSupport.scratch_database`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import URL
from sqlalchemy.engine import make_url

from ..dialects import SCRATCH_PREFIX as PREFIX
from ..dialects import dialect_for

__all__ = ["PREFIX", "scratch_database"]


@contextmanager
def scratch_database(url: str | URL) -> Iterator[URL]:
    """A new empty database beside *url* (same server, same credentials); its URL.

    For SQLite the file lives in a temporary folder whatever *url* names.
    Dropped (or deleted) when the block ends, also after an error.
    """
    parsed = make_url(url) if isinstance(url, str) else url
    with dialect_for(parsed).scratch_database(parsed) as scratch:
        yield scratch
