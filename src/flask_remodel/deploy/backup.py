"""``upgrade --backup``: a copy of the database taken before anything changes.

Each database backs itself up (:meth:`flask_remodel.dialects.DialectSupport.backup`):
SQLite through its online backup API (consistent even while the app writes);
PostgreSQL and MariaDB/MySQL through their own dump tools, found on PATH or
named by ``REMODEL_PG_DUMP`` / ``REMODEL_MYSQL_DUMP``. Files are created with
mode 0600 before anything is written to them: a dump holds every row.
"""

from __future__ import annotations

from datetime import datetime
from datetime import timezone
from pathlib import Path

from sqlalchemy.engine import Engine

from ..dialects import Backup
from ..dialects import dialect_for
from .errors import BackupError

__all__ = ["Backup", "take_backup"]


def take_backup(engine: Engine, folder: Path, before: str) -> Backup:
    """Back up *engine*'s database into *folder*, named after the time and *before*."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    name = Path(str(engine.url.database or "memory")).name or "database"
    support = dialect_for(engine)
    try:
        return support.backup(
            engine, folder / f"{name}-{stamp}-before-{before}{support.backup_suffix}"
        )
    except OSError as exc:
        raise BackupError(f"cannot write to {folder}: {exc.strerror or exc}") from exc
