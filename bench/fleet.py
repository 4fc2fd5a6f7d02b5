#!/usr/bin/env python3
"""Fleet upgrades: ``flask db upgrade --fleet`` vs a shell loop of Flask-Migrate 4.1.

Usage:
    python bench/fleet.py [--schemas N] [--databases N] [--revisions N]
                          [--parallel N] [--backends postgresql,mariadb]
                          [--pg-url URL] [--mariadb-url URL] [--workdir DIR]

Both tools get the same ``--revisions`` revisions (default 10), written by
``bench/linear_history.py``, each in its own Flask app (Flask-SQLAlchemy) and
``flask db init`` folder. Two workloads, each from empty targets:

* **PostgreSQL, ``--schemas`` schemas** (default 200) in one database.
  Flask-Remodel declares them in ``REMODEL_FLEET`` as ``{"schema": ...}``
  targets and runs ``flask db upgrade --fleet``. The Flask-Migrate app reads
  the tenant from ``TENANT``, as users write it: ``search_path`` through
  ``connect_args={"options": "-csearch_path=<schema>"}`` in
  ``SQLALCHEMY_ENGINE_OPTIONS`` and ``version_table_schema`` in
  ``Migrate(...)``. The schemas are made beforehand, untimed, for both tools
  (Flask-Migrate cannot make them).
* **MariaDB, ``--databases`` databases** (default 50): one URL per target;
  the Flask-Migrate app builds its URL from ``TENANT``.

Flask-Migrate runs the way its users upgrade many tenants: one ``bash -c 'for
s in ...; do TENANT=$s flask db upgrade || exit 1; done'`` process, timed as a
whole. Flask-Remodel's figure is the whole ``flask db upgrade --fleet``
process, with ``--parallel`` if given (else its default, which the table shows
as read from the run's JSON report). Both are wall time, one run each (the
fleet first). Before the timed runs each project runs ``flask db heads`` once,
so both start with compiled revision files.

After each run every target's version table is read (one query per target)
and must hold the head; otherwise the script fails. The script makes its own
databases and drops them at the end. A server that cannot be reached is
skipped with a note. Needs the test dependency group (Flask-Migrate 4.1,
Flask-SQLAlchemy, psycopg, PyMySQL). The target of issue 20 is a ratio
fleet / loop of at most 0.25.
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from history import child_env
from history import compile_packages
from history import flask_bin
from history import timed_process
from linear_history import write_history

TOOLS = {"remodel": "flask_remodel", "migrate": "flask_migrate"}

#: Flask-Remodel's app: the fleet comes from the environment, as JSON.
REMODEL_APP = """\
import json
import os

from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_remodel import Migrate

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["BENCH_URL"]
if os.environ.get("BENCH_FLEET"):
    app.config["REMODEL_FLEET"] = json.loads(os.environ["BENCH_FLEET"])
db = SQLAlchemy(app)
migrate = Migrate(app, db)
"""

#: Flask-Migrate's app: one tenant per process, named by ``TENANT``.
MIGRATE_APP = """\
import os

import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_migrate import Migrate

app = Flask(__name__)
tenant = os.environ.get("TENANT", "")
migrate_options = {}
if os.environ["BENCH_MODE"] == "schema":
    # One database, a schema per tenant: the connection's search_path and the version table.
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["BENCH_URL"]
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        "connect_args": {"options": f"-csearch_path={tenant}"}
    }
    migrate_options["version_table_schema"] = tenant
else:
    # A database per tenant, on the same server.
    base = sa.engine.make_url(os.environ["BENCH_URL"])
    app.config["SQLALCHEMY_DATABASE_URI"] = base.set(database=tenant).render_as_string(
        hide_password=False
    )
db = SQLAlchemy(app)
migrate = Migrate(app, db, **migrate_options)
"""

APPS = {"remodel": REMODEL_APP, "migrate": MIGRATE_APP}


class Server:
    """One server's scratch databases (made and dropped here) and its admin connection."""

    def __init__(self, name: str, admin_url: str) -> None:
        self.name = name
        self.admin_url = admin_url
        self.made: set[str] = set()

    def execute(self, *statements: str, database: str | None = None) -> list[tuple[object, ...]]:
        """Run *statements* in autocommit; the rows of the last one."""
        url = sa.engine.make_url(self.admin_url)
        if database is not None:
            url = url.set(database=database)
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                result = None
                for statement in statements:
                    result = connection.execute(sa.text(statement))
                return [tuple(row) for row in result] if result and result.returns_rows else []
        finally:
            engine.dispose()

    def reachable(self) -> bool:
        """Whether the server answers; if not, says so on stderr."""
        try:
            self.execute("SELECT 1")
        except Exception as exc:  # any driver error: the backend is left out, and says why
            print(f"{self.name}: not reachable ({type(exc).__name__}); skipped", file=sys.stderr)
            return False
        return True

    def url(self, database: str) -> str:
        """The URL of *database* on this server, password included."""
        base = sa.engine.make_url(self.admin_url)
        return base.set(database=database).render_as_string(hide_password=False)

    def create(self, database: str) -> None:
        """A new, empty *database* (dropped first if there), dropped again by drop_all."""
        self.drop(database)
        self.execute(f"CREATE DATABASE {database}")
        self.made.add(database)

    def drop(self, database: str) -> None:
        """Drop *database* if it exists."""
        force = " WITH (FORCE)" if self.name == "postgresql" else ""
        self.execute(f"DROP DATABASE IF EXISTS {database}{force}")

    def drop_all(self) -> None:
        """Drop every database this script made here."""
        for database in sorted(self.made):
            self.drop(database)
        self.made.clear()


@dataclass(frozen=True)
class Workload:
    """One side-by-side comparison: N targets on one server, as schemas or databases."""

    label: str
    server: Server
    count: int
    schemas: bool

    def tenants(self, tool: str) -> list[str]:
        """The targets' names: schemas (the same in each tool's database), or databases."""
        width = len(str(self.count))
        prefix = "tenant" if self.schemas else f"remodel_fleetbench_{tool}"
        return [f"{prefix}_{n:0{width}d}" for n in range(1, self.count + 1)]

    def home(self, tool: str) -> str:
        """The database the tool's app is configured with (the schemas' database)."""
        return f"remodel_fleetbench_{tool}_home"


def flask_db(root: Path, env: dict[str, str], *args: str) -> str:
    """Run ``flask db ARGS`` in *root*, untimed; its stdout (raises if it fails)."""
    done = subprocess.run(
        [flask_bin(), "db", *args], cwd=root, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"flask db {' '.join(args)} failed in {root}:\n{done.stderr}")
    return done.stdout


def app_env(
    tool: str, workload: Workload, fleet: dict[str, object] | None = None
) -> dict[str, str]:
    """The environment of *tool*'s ``flask`` processes on *workload* (and its fleet)."""
    env = child_env(
        FLASK_APP="app.py",
        BENCH_URL=workload.server.url(workload.home(tool)),
        BENCH_MODE="schema" if workload.schemas else "database",
        TENANT=workload.tenants(tool)[0],
    )
    if fleet is not None:
        env["BENCH_FLEET"] = json.dumps(fleet)
    return env


def project(workdir: Path, tool: str, workload: Workload, versions: Path) -> Path:
    """A Flask app for *tool* whose migrations folder holds the revisions in *versions*."""
    root = workdir / f"{tool}-{workload.server.name}"
    if root.exists():
        shutil.rmtree(root)
    root.mkdir()
    (root / "app.py").write_text(APPS[tool])
    env = app_env(tool, workload)
    flask_db(root, env, "init")
    for path in versions.glob("*.py"):
        shutil.copy2(path, root / "migrations" / "versions" / path.name)
    flask_db(root, env, "heads")  # compiles the revision files, untimed
    return root


def prepare_targets(workload: Workload, tool: str) -> None:
    """The tool's home database and its empty targets (schemas in it, or databases)."""
    server = workload.server
    server.create(workload.home(tool))
    if workload.schemas:
        server.execute(
            *(f"CREATE SCHEMA {name}" for name in workload.tenants(tool)),
            database=workload.home(tool),
        )
    else:
        for name in workload.tenants(tool):
            server.create(name)


def check_at_head(workload: Workload, tool: str, head: str) -> None:
    """Every target's version table holds *head* alone (one query per target), or exit."""
    wrong = []
    for name in workload.tenants(tool):
        database = workload.home(tool) if workload.schemas else name
        try:
            found = workload.server.execute(
                f"SELECT version_num FROM {name}.alembic_version", database=database
            )
        except sa.exc.SQLAlchemyError as exc:
            found = [(f"unreadable: {type(exc).__name__}",)]
        if [row[0] for row in found] != [head]:
            wrong.append(f"{name}: {[row[0] for row in found]}")
    if wrong:
        raise SystemExit(
            f"{tool} on {workload.label}: {len(wrong)} of {workload.count} target(s) not at "
            f"head {head}: " + "; ".join(wrong[:5])
        )


def time_fleet(root: Path, workload: Workload, parallel: int | None) -> tuple[float, int]:
    """Wall time of ``flask db upgrade --fleet``, and the parallelism its report says it used."""
    tenants = workload.tenants("remodel")
    fleet: dict[str, object] = (
        {name: {"schema": name} for name in tenants} if workload.schemas
        else {name: workload.server.url(name) for name in tenants}
    )
    command = [flask_bin(), "db", "upgrade", "--fleet", "--format", "json"]
    if parallel is not None:
        command += ["--parallel", str(parallel)]
    elapsed, done = timed_process(
        command, "wall", cwd=root, env=app_env("remodel", workload, fleet), capture_output=True,
    )
    if done.returncode != 0:
        raise SystemExit(
            f"flask db upgrade --fleet failed on {workload.label}:\n"
            f"{done.stdout.decode()[-2000:]}\n{done.stderr.decode()[-2000:]}"
        )
    report = json.loads(done.stdout)
    return elapsed, int(report["parallel"])


def time_loop(root: Path, workload: Workload) -> float:
    """Wall time of one ``bash -c 'for s in ...; do TENANT=$s flask db upgrade ...'``."""
    tenants = " ".join(workload.tenants("migrate"))
    script = (
        f"for s in {tenants}; do TENANT=$s {shlex.quote(flask_bin())} db upgrade"
        " >/dev/null 2>&1 || exit 1; done"
    )
    elapsed, done = timed_process(
        ["bash", "-c", script], "wall", cwd=root, env=app_env("migrate", workload),
        capture_output=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"the Flask-Migrate loop failed on {workload.label}")
    return elapsed


@dataclass(frozen=True)
class Row:
    """One workload's figures."""

    label: str
    targets: int
    fleet: float
    parallel: int
    loop: float


def bench(
    workload: Workload, workdir: Path, versions: Path, head: str, parallel: int | None
) -> Row:
    """Both tools on *workload*, each checked at head afterwards; its row of the table."""
    roots = {tool: project(workdir, tool, workload, versions) for tool in TOOLS}
    try:
        for tool in TOOLS:
            prepare_targets(workload, tool)
        print(f"{workload.label}: fleet ...", file=sys.stderr, flush=True)
        fleet, used = time_fleet(roots["remodel"], workload, parallel)
        check_at_head(workload, "remodel", head)
        print(f"{workload.label}: loop ...", file=sys.stderr, flush=True)
        loop = time_loop(roots["migrate"], workload)
        check_at_head(workload, "migrate", head)
    finally:
        workload.server.drop_all()
    return Row(workload.label, workload.count, fleet, used, loop)


def print_table(rows: list[Row], revisions: int, parallel: int | None) -> None:
    """The markdown table, with a line saying what was measured."""
    chosen = f"--parallel {parallel}" if parallel is not None else "the default --parallel"
    print(
        f"Wall time of one run each, {revisions} revisions per target from empty; "
        f"Flask-Remodel with {chosen}; ratio = fleet / loop (target <= 0.25)."
    )
    print(
        "| workload | targets | Remodel `upgrade --fleet` s | parallel | "
        "Flask-Migrate shell loop s | ratio |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for row in rows:
        print(
            f"| {row.label} | {row.targets} | {row.fleet:.1f} | {row.parallel} | "
            f"{row.loop:.1f} | {row.fleet / row.loop:.2f} |"
        )


def main(argv: list[str]) -> int:
    """Run the workloads the options ask for and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--schemas", type=int, default=200)
    parser.add_argument("--databases", type=int, default=50)
    parser.add_argument("--revisions", type=int, default=10)
    parser.add_argument("--parallel", type=int, default=None)
    parser.add_argument("--backends", default="postgresql,mariadb")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--mariadb-url", default="mysql+pymysql://root@127.0.0.1:3306/")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args(argv)
    if min(args.schemas, args.databases, args.revisions) < 1:
        parser.error("--schemas, --databases and --revisions must be at least 1")
    if args.parallel is not None and args.parallel < 1:
        parser.error("--parallel must be at least 1")
    names = [name.strip() for name in args.backends.split(",") if name.strip()]
    unknown = set(names) - {"postgresql", "mariadb"}
    if unknown:
        parser.error(f"unknown backend(s): {', '.join(sorted(unknown))}")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="remodel-fleet-"))
    workdir.mkdir(parents=True, exist_ok=True)
    compile_packages()
    head = write_history(workdir / "history", args.revisions)
    assert head is not None
    versions = workdir / "history" / "migrations" / "versions"
    rows = []
    try:
        for name in names:
            if name == "postgresql":
                server = Server(name, args.pg_url)
                workload = Workload(f"PostgreSQL, {args.schemas} schemas", server, args.schemas,
                                    schemas=True)
            else:
                server = Server(name, args.mariadb_url)
                workload = Workload(f"MariaDB, {args.databases} databases", server,
                                    args.databases, schemas=False)
            if server.reachable():
                rows.append(bench(workload, workdir, versions, head, args.parallel))
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    print_table(rows, args.revisions, args.parallel)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
