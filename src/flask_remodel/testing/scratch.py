"""Scratch databases: created for one test run, dropped after it.

On SQLite a file in a new temporary folder; on PostgreSQL and MariaDB/MySQL a
``CREATE DATABASE remodel_test_<hex>`` on the server of the URL given, through
a short-lived autocommit connection (``CREATE DATABASE`` cannot run inside a
transaction on PostgreSQL). The URL's own database is never written to.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from ..errors import ScratchDatabaseError
from ..urls import mask_passwords
from ..urls import mask_url

PREFIX = "remodel_test_"


def _reason(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return mask_passwords(text[0] if text else type(exc).__name__)


def _admin_url(url: URL) -> URL:
    if url.get_backend_name() == "postgresql":
        # CREATE DATABASE needs a connection to some database; 'postgres' always exists.
        return url.set(database=url.database or "postgres")
    return url.set(database=None)


def _create(url: URL, name: str) -> None:
    engine = sa.create_engine(_admin_url(url), poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(sa.text(f"CREATE DATABASE {name}"))
    except Exception as exc:
        raise ScratchDatabaseError(mask_url(url), "create", _reason(exc)) from exc
    finally:
        engine.dispose()


def _drop(url: URL, name: str) -> None:
    engine = sa.create_engine(_admin_url(url), poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            if url.get_backend_name() == "postgresql":
                # A connection left open (a user's fixture, say) must not keep it alive.
                connection.execute(
                    sa.text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": name},
                )
            connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
    except Exception as exc:
        raise ScratchDatabaseError(mask_url(url), "drop", _reason(exc)) from exc
    finally:
        engine.dispose()


@contextmanager
def scratch_database(url: str | URL) -> Iterator[URL]:
    """A new empty database beside *url* (same server, same credentials); its URL.

    For SQLite the file lives in a temporary folder whatever *url* names.
    Dropped (or deleted) when the block ends, also after an error.
    """
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.get_backend_name() == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix=PREFIX))
        try:
            yield parsed.set(database=str(folder / "scratch.db"))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    name = f"{PREFIX}{secrets.token_hex(6)}"
    _create(parsed, name)
    try:
        yield parsed.set(database=name)
    finally:
        _drop(parsed, name)
