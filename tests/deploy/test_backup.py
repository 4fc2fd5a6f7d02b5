"""``upgrade --backup``: a private file, taken before any change, that restores the rows."""

from __future__ import annotations

import shutil
import sqlite3
import stat
import subprocess
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from support import execute
from support import rows

from .conftest import Project


def _restore(backend: str, backup: Path, url: str) -> None:
    target = make_url(url)
    if backend == "postgresql":
        command = ["pg_restore", "--no-owner", "-h", "127.0.0.1", "-U", "postgres",
                   "-d", str(target.database), str(backup)]
        subprocess.run(command, check=True, capture_output=True)
    else:
        with backup.open("rb") as dump:
            subprocess.run(["mariadb", "-h", "127.0.0.1", "-u", "root", str(target.database)],
                           stdin=dump, check=True, capture_output=True)


def test_backup_restores_to_the_same_rows(
    project: Project, backend: str, make_database: Callable[..., str]
) -> None:
    project.add_tables(1, sleep=0)
    project.made.ok("upgrade")
    execute(project.url, "INSERT INTO t_1 (id) VALUES (1), (2), (3)")
    project.add("op.execute('DELETE FROM t_1 WHERE id = 2')", sleep=0)
    folder = project.root / "backups"
    result = project.made.ok("upgrade", "--backup", "--backup-dir", str(folder))
    (backup,) = folder.iterdir()
    assert "To restore it:" in result.output and str(backup) in result.output
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert rows(project.url, "SELECT id FROM t_1 ORDER BY id") == [(1,), (3,)]

    if backend == "sqlite":
        # A sqlite3 connection's own context manager commits but does not close.
        with closing(sqlite3.connect(backup)) as copy:
            restored = copy.execute("SELECT id FROM t_1 ORDER BY id").fetchall()
            version = copy.execute("SELECT version_num FROM alembic_version").fetchall()
    else:
        url = make_database("restored")
        _restore(backend, backup, url)
        restored = rows(url, "SELECT id FROM t_1 ORDER BY id")
        version = rows(url, "SELECT version_num FROM alembic_version")
    assert [tuple(r) for r in restored] == [(1,), (2,), (3,)]
    assert [tuple(r) for r in version] == [("r1",)]


@pytest.mark.backends("postgresql", "mariadb")
def test_missing_dump_tool_changes_nothing(project: Project, backend: str) -> None:
    project.add_tables(1, sleep=0)
    variable = "REMODEL_PG_DUMP" if backend == "postgresql" else "REMODEL_MYSQL_DUMP"
    result = project.made.cli("upgrade", "--backup", env={variable: "no-such-dump-tool"})
    assert result.exit_code == 3
    assert f"point {variable} at the program. Nothing was changed." in result.output
    assert project.made.ok("status").output.count("Pending (1)") == 1
    assert shutil.which("no-such-dump-tool") is None
