"""Time ``flask db test`` next to pytest-alembic's built-in checks on one generated history.

    make bench                                   # SQLite, 100 revisions
    .venv-bench/bin/python bench/migration_tests.py --backend postgresql --revisions 100

The history comes from ``bench/linear_history.py``: N linear revisions creating
tables and adding columns, indexes, unique constraints, server defaults and
foreign keys. The models both tools compare against are that history's head,
reflected from a database upgraded to it.

Both run as a fresh process each (start-up included), on scratch databases of
the same backend:

* ``flask db test``: single head; from empty to head one revision at a time,
  with generated rows before each upgrade, each revision upgraded, downgraded
  (schema and rows compared) and upgraded again; models match at head.
* pytest-alembic (``pytest --test-alembic``): its four default tests
  (single_head_revision, upgrade, model_definitions_match_ddl,
  up_down_consistency). Its experimental downgrade_leaves_no_trace, the
  closest to our schema comparison, is left out: under SQLAlchemy 2.1 it
  fails inside SQLAlchemy (its wrapped connection is refused by
  ``has_table``), so it cannot be timed. pytest-alembic thus does less work
  than ``flask db test`` here (no schema comparison, no rows). Its env.py runs one transaction per
  revision, compares server defaults as ours does, and uses the connection
  pytest-alembic gives it.

pytest-alembic is in the ``bench`` dependency group, installed in ``.venv-bench``
by ``make bench`` (it breaks collection under pytest 9, so it stays out of the
test venv).
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from linear_history import write_history

HERE = Path(__file__).resolve().parent
SERVERS = {
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:5432/",
    "mariadb": "mysql+pymysql://root@127.0.0.1:3306/",
}

MODELS = '''import os
import sqlalchemy as sa

metadata = sa.MetaData()
_engine = sa.create_engine(os.environ["BENCH_HEAD_URL"])
metadata.reflect(_engine)
_engine.dispose()
metadata.remove(metadata.tables["alembic_version"])
'''

APP = '''import os
import sys

from flask import Flask

sys.path.insert(0, os.path.dirname(__file__))
from models import metadata  # noqa: E402

from flask_remodel import Migrate  # noqa: E402

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["BENCH_APP_URL"]
Migrate(app, metadata, directory=os.path.join(os.path.dirname(__file__), "migrations"))
'''

CONFTEST = '''import argparse
import os

import pytest
import sqlalchemy as sa
from alembic.config import Config


@pytest.fixture
def alembic_config():
    config = Config(os.environ["BENCH_ALEMBIC_INI"])
    config.cmd_opts = argparse.Namespace(x=[
        "url=" + os.environ["BENCH_PA_URL"],
        "models=" + os.environ["BENCH_MODELS"],
        "per_migration=1",
        "csd=1",
    ])
    return config


@pytest.fixture
def alembic_engine():
    return sa.create_engine(os.environ["BENCH_PA_URL"])
'''


class Databases:
    """Fresh databases on one backend, dropped at the end."""

    def __init__(self, backend: str, folder: Path) -> None:
        self.backend = backend
        self.folder = folder
        self.made: list[str] = []

    def server_url(self) -> str:
        if self.backend == "sqlite":
            return f"sqlite:///{self.folder / 'app.db'}"
        base = SERVERS[self.backend]
        return base + ("postgres" if self.backend == "postgresql" else "")

    def new(self, label: str) -> str:
        if self.backend == "sqlite":
            return f"sqlite:///{self.folder / f'{label}.db'}"
        name = f"remodel_bench_{secrets.token_hex(4)}"
        self._admin(f"CREATE DATABASE {name}")
        self.made.append(name)
        return SERVERS[self.backend] + name

    def _admin(self, statement: str) -> None:
        engine = sa.create_engine(
            self.server_url(), poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT"
        )
        with engine.connect() as connection:
            connection.execute(sa.text(statement))
        engine.dispose()

    def drop_all(self) -> None:
        for name in self.made:
            force = " WITH (FORCE)" if self.backend == "postgresql" else ""
            self._admin(f"DROP DATABASE IF EXISTS {name}{force}")


def _timed(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int, str]:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    return elapsed, done.returncode, done.stdout + done.stderr


def _last_line(output: str) -> str:
    lines = [line for line in output.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--revisions", type=int, default=100)
    parser.add_argument("--backend", choices=["sqlite", *SERVERS], default="sqlite")
    parser.add_argument("--show-output", action="store_true")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="remodel_bench_") as tmp:
        out = Path(tmp)
        history = out / "history"
        # Its env.py uses the connection pytest-alembic hands it (pytest-alembic's documented
        # requirement); opening its own would lock against pytest-alembic's on SQLite.
        write_history(history, args.revisions)
        databases = Databases(args.backend, out)
        try:
            head_url = databases.new("head")
            subprocess.run(
                [sys.executable, "-m", "alembic", "-c", str(history / "alembic.ini"),
                 "-x", f"url={head_url}", "upgrade", "head"],
                check=True, capture_output=True,
            )
            (history / "models.py").write_text(MODELS)
            (history / "app.py").write_text(APP)
            pa_folder = out / "pytest_alembic"
            pa_folder.mkdir()
            (pa_folder / "conftest.py").write_text(CONFTEST)
            env = dict(
                os.environ,
                BENCH_HEAD_URL=head_url,
                BENCH_APP_URL=databases.server_url(),
                BENCH_ALEMBIC_INI=str(history / "alembic.ini"),
                BENCH_MODELS=str(history / "models.py"),
                BENCH_PA_URL=databases.new("pytest_alembic"),
            )
            ours = _timed(
                [sys.executable, "-m", "flask", "--app", str(history / "app.py"), "db", "test"],
                history, env,
            )
            theirs = _timed(
                [sys.executable, "-m", "pytest", "--test-alembic", "-p", "no:cacheprovider",
                 "-q", "-o", "pytest_alembic_tests_path=conftest.py"],
                pa_folder, env,
            )
        finally:
            databases.drop_all()

    print(f"{args.revisions}-revision history on {args.backend}")
    print(f"  flask db test         {ours[0]:7.2f} s  exit {ours[1]}  {_last_line(ours[2])}")
    print(f"  pytest-alembic        {theirs[0]:7.2f} s  exit {theirs[1]}  {_last_line(theirs[2])}")
    print(f"  ratio (ours / theirs) {ours[0] / theirs[0]:7.2f}")
    if args.show_output:
        print("\n--- flask db test ---\n" + ours[2])
        print("\n--- pytest-alembic ---\n" + theirs[2])
    return 0 if ours[1] == 0 and theirs[1] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
