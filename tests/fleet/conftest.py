"""A fleet project on disk: an app ``flask`` loads in a subprocess, whose
``REMODEL_FLEET`` comes from the environment, and hand-written revisions.

Targets per backend: SQLite files and MariaDB databases (each made and dropped
by the ``make_database`` fixture), and PostgreSQL schemas inside the test's
own database (dropped with it). ``REMODEL_TEST_ENGINE_OPTIONS`` (JSON) becomes the
app's ``SQLALCHEMY_ENGINE_OPTIONS``. Every revision inserts its id into
``applied_log`` (a revision applied twice shows as two rows); with
``REMODEL_TEST_HANG=<rev>`` that revision writes a marker file and sleeps a
minute after its first statement, for kill tests.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from support import MadeApp
from support import rows
from support.apps import AppFactory

APP = """
import json
import os
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from flask_remodel import Migrate

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["REMODEL_TEST_URL"]
app.config["REMODEL_LINT"] = "off"
if os.environ.get("REMODEL_TEST_FLEET"):
    app.config["REMODEL_FLEET"] = json.loads(os.environ["REMODEL_TEST_FLEET"])
if os.environ.get("REMODEL_TEST_ENGINE_OPTIONS"):
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = json.loads(os.environ["REMODEL_TEST_ENGINE_OPTIONS"])
db = SQLAlchemy(app)
Migrate(app, db, directory=os.path.join(os.path.dirname(__file__), "migrations"))
"""

REVISION = '''"""{message}"""
import os
import time
import uuid
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = {revision!r}
down_revision = {down!r}


def upgrade():
{body}
    op.execute("INSERT INTO applied_log (revision) VALUES ('{revision}')")
    if os.environ.get("REMODEL_TEST_HANG") == {revision!r}:
        Path({marker!r} + uuid.uuid4().hex).write_text("x")
        time.sleep(60)
    time.sleep({sleep})


def downgrade():
    pass
'''

NAMES = ("alpha", "beta", "gamma", "delta")


def _interruptible() -> None:
    """In the child, before it runs: Ctrl-C as a shell leaves it for a foreground
    command (default action, not blocked), whatever the test process inherited."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


@dataclass(frozen=True)
class Place:
    """Where one target's tables are: a URL, and a schema on PostgreSQL."""

    url: str
    schema: str | None

    def table(self, name: str) -> str:
        return f"{self.schema}.{name}" if self.schema else name

    def rows(self, sql_with_tables: str) -> list[tuple[Any, ...]]:
        return rows(self.url, sql_with_tables)

    def tables(self) -> set[str]:
        engine = sa.create_engine(self.url)
        try:
            return set(sa.inspect(engine).get_table_names(schema=self.schema))
        finally:
            engine.dispose()

    def log(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for (revision,) in self.rows(f"SELECT revision FROM {self.table('applied_log')}"):
            counts[revision] = counts.get(revision, 0) + 1
        return counts

    def version(self) -> list[str]:
        return sorted(r for (r,) in self.rows(
            f"SELECT version_num FROM {self.table('alembic_version')}"
        ))

    def ledger(self) -> list[tuple[str, str]]:
        return [(r, o) for r, o in self.rows(
            f"SELECT revision, outcome FROM {self.table('remodel_ledger')} ORDER BY id"
        )]


@dataclass
class Fleet:
    made: MadeApp
    root: Path
    url: str
    backend: str
    places: dict[str, Place] = field(default_factory=dict)
    declared: dict[str, Any] = field(default_factory=dict)
    revisions: list[str] = field(default_factory=list)

    @property
    def versions(self) -> Path:
        return self.root / "migrations" / "versions"

    def add(self, body: str = "", sleep: float = 0.0) -> str:
        revision = f"r{len(self.revisions) + 1}"
        if not self.revisions:
            body = (
                "op.create_table('applied_log', sa.Column('id', sa.Integer, primary_key=True),"
                " sa.Column('revision', sa.String(32)))\n" + body
            )
        (self.versions / f"{revision}_step.py").write_text(REVISION.format(
            message=f"step {revision}", revision=revision,
            down=self.revisions[-1] if self.revisions else None,
            body=textwrap.indent(body or "pass", "    "),
            marker=str(self.root / f"{revision}.hanging."), sleep=sleep,
        ))
        self.revisions.append(revision)
        return revision

    def add_tables(self, count: int, sleep: float = 0.0) -> None:
        for _ in range(count):
            n = len(self.revisions) + 1
            self.add(f"op.create_table('t_{n}', sa.Column('id', sa.Integer, primary_key=True))",
                     sleep=sleep)

    def env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("REMODEL_TEST_HANG", None)
        env.update(
            FLASK_APP=str(self.root / "app.py"), REMODEL_TEST_URL=self.url,
            REMODEL_TEST_FLEET=json.dumps(self.declared),
        )
        env.update(extra)
        return env

    def spawn(self, *args: str, **extra: str) -> subprocess.Popen[str]:
        """``flask db <args>`` in a new process, in a process group of its own (its
        workers with it), as a shell runs a command."""
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "db", *args], cwd=self.root, env=self.env(**extra),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
            preexec_fn=_interruptible,
        )

    def run(self, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "flask", "db", *args], cwd=self.root, env=self.env(**extra),
            capture_output=True, text=True, timeout=300,
        )

    def json(self, *args: str, **extra: str) -> tuple[int, dict[str, Any]]:
        done = self.run(*args, "--format", "json", **extra)
        try:
            return done.returncode, json.loads(done.stdout)
        except ValueError:
            raise AssertionError(f"not JSON:\n{done.stdout}\n{done.stderr}") from None

    def markers(self, revision: str) -> list[Path]:
        return list(self.root.glob(f"{revision}.hanging.*"))

    def wait_for_markers(
        self, revision: str, count: int, process: subprocess.Popen[str], timeout: float = 90
    ) -> None:
        deadline = time.monotonic() + timeout
        while len(self.markers(revision)) < count:
            if process.poll() is not None:
                raise AssertionError(f"process ended first:\n{process.communicate()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{count} markers of {revision} never appeared")
            time.sleep(0.05)


@pytest.fixture
def fleet_factory(
    make_app: AppFactory, database_url: str, make_database: Callable[..., str],
    backend: str, tmp_path: Path,
) -> Iterator[Callable[..., Fleet]]:
    """``fleet_factory(names=NAMES) -> Fleet``: the project, and one target per name."""

    def make(names: tuple[str, ...] = NAMES) -> Fleet:
        (tmp_path / "app.py").write_text(APP)
        made = make_app(None, directory=tmp_path / "migrations", config={"REMODEL_LINT": "off"})
        made.ok("init")
        fleet = Fleet(made, tmp_path, database_url, backend)
        for name in names:
            if backend == "postgresql":
                schema = f"tenant_{name}"
                fleet.declared[name] = {"schema": schema}
                fleet.places[name] = Place(database_url, schema)
            else:
                url = make_database(name)
                fleet.declared[name] = url
                fleet.places[name] = Place(url, None)
        return fleet

    yield make
