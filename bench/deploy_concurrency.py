"""Eight instances run ``flask db upgrade`` at once: Flask-Remodel next to Flask-Migrate.

For each database (SQLite, PostgreSQL, MariaDB) and each tool, a fresh database
and a history of REVISIONS revisions that each create a table, log their own
id into ``applied_log`` and sleep SLEEP seconds; then INSTANCES processes start
``flask db upgrade`` together. Printed per run: wall time, exit codes, and how
often each revision ran (``applied_log``); "ok" means every process exited 0 and
every revision ran exactly once.

    .venv/bin/python bench/deploy_concurrency.py [--instances 8] [--revisions 5]
        [--sleep 0.2] [--backends sqlite,postgresql,mariadb]

Needs Flask-Migrate installed (the test dependency group has it) and the
servers the tests use (PostgreSQL 127.0.0.1:5432 user postgres, MariaDB
127.0.0.1:3306 root).
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

SERVERS = {
    "postgresql": ("postgresql+psycopg://postgres@127.0.0.1:5432/", "postgres"),
    "mariadb": ("mysql+pymysql://root@127.0.0.1:3306/", ""),
}

APP = """
import os
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from {package} import Migrate

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["BENCH_URL"]
db = SQLAlchemy(app)
Migrate(app, db, directory=os.path.join(os.path.dirname(__file__), "migrations"))
"""

REVISION = '''import time
import sqlalchemy as sa
from alembic import op

revision = "r{n}"
down_revision = {down}


def upgrade():
{first}    op.create_table("t_{n}", sa.Column("id", sa.Integer, primary_key=True))
    op.execute("INSERT INTO applied_log (revision) VALUES ('r{n}')")
    time.sleep({sleep})


def downgrade():
    op.drop_table("t_{n}")
'''

FIRST = (
    "    op.create_table('applied_log', sa.Column('id', sa.Integer, primary_key=True),"
    " sa.Column('revision', sa.String(32)))\n"
)


@contextmanager
def fresh_database(backend: str, folder: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'bench.db'}"
        return
    base, admin_db = SERVERS[backend]
    name = f"bench_{secrets.token_hex(4)}"
    admin = sa.create_engine(base + admin_db, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f"CREATE DATABASE {name}"))
    try:
        yield base + name
    finally:
        with admin.connect() as connection:
            force = " WITH (FORCE)" if backend == "postgresql" else ""
            connection.execute(sa.text(f"DROP DATABASE {name}{force}"))
        admin.dispose()


def run(tool: str, backend: str, instances: int, revisions: int, sleep: float) -> str:
    package = "flask_remodel" if tool == "Flask-Remodel" else "flask_migrate"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "app.py").write_text(APP.format(package=package))
        with fresh_database(backend, root) as url:
            env = dict(os.environ, FLASK_APP=str(root / "app.py"), BENCH_URL=url)
            flask = [sys.executable, "-m", "flask", "db"]
            subprocess.run([*flask, "init"], cwd=root, env=env, check=True, capture_output=True)
            for n in range(1, revisions + 1):
                (root / "migrations" / "versions" / f"r{n}.py").write_text(
                    REVISION.format(n=n, down=f"'r{n - 1}'" if n > 1 else None,
                                    first=FIRST if n == 1 else "", sleep=sleep)
                )
            started = time.monotonic()
            processes = [
                subprocess.Popen([*flask, "upgrade"], cwd=root, env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(instances)
            ]
            errors = [p.communicate(timeout=600)[1] for p in processes]
            elapsed = time.monotonic() - started
            codes = [p.returncode for p in processes]
            engine = sa.create_engine(url)
            try:
                with engine.connect() as connection:
                    logged = connection.execute(
                        sa.text("SELECT revision, COUNT(*) FROM applied_log GROUP BY revision")
                    ).all()
            except sa.exc.DBAPIError:
                logged = []
            engine.dispose()
    counts = {str(rev): int(count) for rev, count in logged}
    once = counts == {f"r{n}": 1 for n in range(1, revisions + 1)}
    failed = sum(code != 0 for code in codes)
    verdict = "ok" if once and not failed else "NOT OK"
    first_error = next((_error_line(e) for e, c in zip(errors, codes, strict=True) if c), "")
    runs = ",".join(str(counts.get(f"r{n}", 0)) for n in range(1, revisions + 1))
    return (f"{backend:<11} {tool:<14} {elapsed:7.2f} s  {verdict:<6} "
            f"{failed}/{instances} failed  runs per revision {runs}  {first_error[:90]}")


def _error_line(stderr: str) -> str:
    """The last line naming an error (SQLAlchemy ends with a "Background on..." link)."""
    found = [line.strip() for line in stderr.splitlines()
             if "rror" in line and "sqlalche.me" not in line]
    return found[-1] if found else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=8)
    parser.add_argument("--revisions", type=int, default=5)
    parser.add_argument("--sleep", type=float, default=0.2)
    parser.add_argument("--backends", default="sqlite,postgresql,mariadb")
    args = parser.parse_args()
    print(f"{args.instances} x 'flask db upgrade' at once, {args.revisions} revisions "
          f"of {args.sleep} s each")
    for backend in args.backends.split(","):
        for tool in ("Flask-Remodel", "Flask-Migrate"):
            print(run(tool, backend, args.instances, args.revisions, args.sleep), flush=True)


if __name__ == "__main__":
    main()
