"""A project on disk for deploy tests: an app module that ``flask`` can load in a
subprocess, and hand-written revisions that take time and log each run.

Every revision inserts its id into ``applied_log`` (so a revision applied twice
shows up as two rows) and sleeps; ``REMODEL_TEST_HANG=<rev>`` makes that
revision write ``<rev>.hanging`` next to the app and sleep for a minute after
its first statement, for kill tests.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import pytest

from support import MadeApp
from support import rows
from support.apps import AppFactory

APP = """
import os
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from flask_remodel import Migrate

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["REMODEL_TEST_URL"]
# The runner is under test: lint findings on these revisions would mix into its output.
app.config["REMODEL_LINT"] = "off"
db = SQLAlchemy(app)
Migrate(app, db, directory=os.path.join(os.path.dirname(__file__), "migrations"))
"""

REVISION = '''"""{message}"""
import os
import time
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = {revision!r}
down_revision = {down!r}
{phase}

def upgrade():
{body}
    op.execute("INSERT INTO applied_log (revision) VALUES ('{revision}')")
    if os.environ.get("REMODEL_TEST_HANG") == {revision!r}:
        Path({marker!r}).write_text("x")
        time.sleep(60)
    time.sleep({sleep})


def downgrade():
{down_body}
'''


@dataclass
class Project:
    made: MadeApp
    root: Path
    url: str
    revisions: list[str] = field(default_factory=list)

    @property
    def versions(self) -> Path:
        return self.root / "migrations" / "versions"

    def add(
        self, body: str = "", *, down_body: str = "pass", phase: str | None = None,
        sleep: float = 0.2, message: str | None = None,
    ) -> str:
        """Write the next revision (``r1``, ``r2``...) on top of the last one."""
        revision = f"r{len(self.revisions) + 1}"
        if not self.revisions:  # the first one creates the log every revision writes to
            body = (
                "op.create_table('applied_log', sa.Column('id', sa.Integer, primary_key=True),"
                " sa.Column('revision', sa.String(32)))\n" + body
            )
        (self.versions / f"{revision}_step.py").write_text(
            REVISION.format(
                message=message or f"step {revision}", revision=revision,
                down=self.revisions[-1] if self.revisions else None,
                phase=f"remodel_phase = {phase!r}" if phase else "",
                body=textwrap.indent(body or "pass", "    "),
                down_body=textwrap.indent(down_body, "    "),
                marker=str(self.root / f"{revision}.hanging"), sleep=sleep,
            )
        )
        self.revisions.append(revision)
        return revision

    def add_tables(self, count: int, sleep: float = 0.2) -> None:
        for _ in range(count):
            n = len(self.revisions) + 1
            self.add(
                f"op.create_table('t_{n}', sa.Column('id', sa.Integer, primary_key=True))",
                down_body=f"op.drop_table('t_{n}')", sleep=sleep,
            )

    def env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(FLASK_APP=str(self.root / "app.py"), REMODEL_TEST_URL=self.url, **extra)
        env.pop("REMODEL_TEST_HANG", None)
        env.update(extra)
        return env

    def spawn(self, *args: str, **extra: str) -> subprocess.Popen[str]:
        """``flask db <args>`` in a new process."""
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "db", *args], cwd=self.root, env=self.env(**extra),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )

    def log(self) -> dict[str, int]:
        """How many times each revision ran (rows in ``applied_log``)."""
        counts: dict[str, int] = {}
        for (revision,) in rows(self.url, "SELECT revision FROM applied_log"):
            counts[revision] = counts.get(revision, 0) + 1
        return counts

    def ledger(self) -> list[dict[str, Any]]:
        found = rows(
            self.url,
            "SELECT revision, direction, outcome, checksum, executed, failed_operation "
            "FROM remodel_ledger ORDER BY id",
        )
        keys = ("revision", "direction", "outcome", "checksum", "executed", "failed_operation")
        return [dict(zip(keys, row, strict=True)) for row in found]

    def wait_for(self, path: Path, process: subprocess.Popen[str], timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not path.exists():
            if process.poll() is not None:
                raise AssertionError(f"process ended first:\n{process.communicate()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{path} never appeared")
            time.sleep(0.05)


@pytest.fixture
def project(make_app: AppFactory, database_url: str, tmp_path: Path) -> Iterator[Project]:
    (tmp_path / "app.py").write_text(APP)
    # The runner is under test here; the linter's upgrade step has its own tests.
    made = make_app(None, directory=tmp_path / "migrations", config={"REMODEL_LINT": "off"})
    made.ok("init")
    yield Project(made, tmp_path, database_url)
