"""``upgrade --backup``: a copy of the database taken before anything changes.

SQLite through its online backup API (consistent even while the app writes);
PostgreSQL and MariaDB/MySQL through their own dump tools, found on PATH or
named by ``REMODEL_PG_DUMP`` / ``REMODEL_MYSQL_DUMP``. Files are created with
mode 0600 before anything is written to them: a dump holds every row.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import datetime
from datetime import timezone
from pathlib import Path

from sqlalchemy.engine import URL
from sqlalchemy.engine import Engine

from ..urls import mask_passwords
from .errors import BackupError
from .errors import BackupToolMissingError
from .locks import sqlite_lock_path


@dataclass(frozen=True)
class Backup:
    path: Path
    restore: str
    """The command (or step) that puts the backup back."""

    def describe(self) -> str:
        return f"Backup written to {self.path}. To restore it: {self.restore}"


def _private_file(path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.fchmod(fd, 0o600)  # whatever the umask
    return fd


def _sqlite(engine: Engine, path: Path) -> Backup:
    if sqlite_lock_path(engine) is None:
        raise BackupError("an in-memory SQLite database has nothing to back up to a file")
    source_path = str(engine.url.database)
    os.close(_private_file(path))
    source = sqlite3.connect(source_path)
    try:
        target = sqlite3.connect(str(path))
        try:
            source.backup(target)
        finally:
            target.close()
    finally:
        source.close()
    return Backup(path, f"stop the app, then copy {path} over {Path(source_path).resolve()}")


def _tool(variable: str, *names: str) -> str:
    chosen = os.environ.get(variable)
    if chosen:
        found = shutil.which(chosen)
        if found is None:
            raise BackupToolMissingError(chosen, variable)
        return found
    for name in names:
        found = shutil.which(name)
        if found is not None:
            return found
    raise BackupToolMissingError(names[0], variable)


def _dump(command: list[str], env: dict[str, str], path: Path) -> None:
    fd = _private_file(path)
    try:
        with os.fdopen(fd, "wb") as out:
            done = subprocess.run(command, stdout=out, stderr=subprocess.PIPE, env=env)
    except OSError as exc:
        path.unlink(missing_ok=True)
        raise BackupError(f"{command[0]} could not run: {exc}") from exc
    if done.returncode != 0:
        path.unlink(missing_ok=True)
        message = done.stderr.decode(errors="replace").strip().splitlines()
        raise BackupError(
            f"{Path(command[0]).name} exited {done.returncode}: "
            f"{mask_passwords(message[0] if message else '')}"
        )


def _postgres(url: URL, path: Path) -> Backup:
    tool = _tool("REMODEL_PG_DUMP", "pg_dump")
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    args = [tool, "--format=custom", "--no-password"]
    args += ["--host", url.host or "localhost", "--port", str(url.port or 5432)]
    if url.username:
        args += ["--username", url.username]
    _dump([*args, str(url.database)], env, path)
    return Backup(
        path,
        f"pg_restore --clean --if-exists --no-owner --host {url.host or 'localhost'} "
        f"--port {url.port or 5432} --dbname {url.database} {path}",
    )


def _mysql(url: URL, path: Path) -> Backup:
    tool = _tool("REMODEL_MYSQL_DUMP", "mariadb-dump", "mysqldump")
    env = dict(os.environ)
    if url.password:
        env["MYSQL_PWD"] = str(url.password)  # kept off the command line
    args = [tool, "--single-transaction", "--routines", "--triggers"]
    args += ["--host", url.host or "localhost", "--port", str(url.port or 3306)]
    if url.username:
        args += ["--user", url.username]
    _dump([*args, str(url.database)], env, path)
    client = "mariadb" if "mariadb" in Path(tool).name else "mysql"
    return Backup(
        path,
        f"{client} --host {url.host or 'localhost'} --port {url.port or 3306} "
        f"{url.database} < {path}",
    )


def take_backup(engine: Engine, folder: Path, before: str) -> Backup:
    """Back up *engine*'s database into *folder*, named after the time and *before*."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    name = Path(str(engine.url.database or "memory")).name or "database"
    dialect = engine.dialect.name
    try:
        if dialect == "sqlite":
            return _sqlite(engine, folder / f"{name}-{stamp}-before-{before}.sqlite3")
        if dialect == "postgresql":
            return _postgres(engine.url, folder / f"{name}-{stamp}-before-{before}.dump")
        if dialect in ("mysql", "mariadb"):
            return _mysql(engine.url, folder / f"{name}-{stamp}-before-{before}.sql")
    except OSError as exc:
        raise BackupError(f"cannot write to {folder}: {exc.strerror or exc}") from exc
    raise BackupError(f"--backup does not know how to back up a {dialect} database")
