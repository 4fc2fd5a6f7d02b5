#!/usr/bin/env python3
"""Flask-Remodel vs Flask-Migrate 4.1 on their main jobs, side by side in one run.

Usage:
    python bench/commands.py [--repeat N] [--revisions N]
                             [--backends sqlite,postgresql,mariadb]
                             [--pg-url URL] [--mariadb-url URL] [--workdir DIR]

Both tools get the same Flask app (Flask-SQLAlchemy) and the same revisions,
written by ``bench/linear_history.py``, each in its own ``flask db init``
folder. For each database the script makes its own scratch databases (one per
tool) and drops them at the end. It times, as wall time of the whole
``flask db`` process (the server does part of the work):

* **upgrade 1**: a realistic revision (two columns added to an existing
  table, one of them indexed) on a small schema (the first 11 revisions of
  the history, two tables); it is downgraded again, untimed, between runs;
* **migrate**: autogenerate of one change (a new nullable column) against the
  same small schema at head; the app's models are that database reflected,
  plus the column; the new file is deleted between runs;
* **upgrade N from empty**: the whole ``--revisions`` history on a new database;
* **downgrade base of N**: the same history undone, right after that upgrade.

Each row runs ``--repeat`` times, the tools taking turns in every round, and
shows the median. Flask-Migrate runs in its two modes: its default (every
pending revision in one transaction) and ``transaction_per_migration=True``
(one commit per revision, as Flask-Remodel does); the ratios are Flask-Remodel
over each. On PostgreSQL the upgrade row also shows ``psql`` applying the SQL
that ``flask db upgrade --sql`` writes for the same history, and Flask-Remodel
over it. Needs the test dependency group (Flask-Migrate 4.1, Flask-SQLAlchemy,
psycopg, PyMySQL); a backend that cannot be reached is skipped with a note.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import sqlalchemy as sa
from history import child_env
from history import compile_packages
from history import flask_bin
from history import timed_process
from linear_history import write_history

#: The small schema's history: revision 12 adds two columns to a table and indexes one.
SMALL_REVISIONS = 12

APP = """\
import json
import os

import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from {module} import Migrate

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["BENCH_URL"]


def reflected_models():
    # For `migrate`: the database as it is, plus one new column to autogenerate.
    metadata = sa.MetaData()
    engine = sa.create_engine(os.environ["BENCH_URL"], poolclass=sa.pool.NullPool)
    metadata.reflect(engine, only=lambda name, _: name.startswith("t_"))
    engine.dispose()
    metadata.tables["t_0"].append_column(sa.Column("bench_extra", sa.String(40), nullable=True))
    return metadata


metadata = reflected_models() if os.environ.get("BENCH_MODELS") else None
db = SQLAlchemy(app, metadata=metadata)
migrate = Migrate(app, db, **json.loads(os.environ.get("BENCH_MIGRATE_KWARGS", "{{}}")))
"""

TOOLS = {"remodel": "flask_remodel", "migrate": "flask_migrate"}


@dataclass(frozen=True)
class Contender:
    """A tool in one mode: its project folders and its ``Migrate(...)`` keywords."""

    label: str
    tool: str
    kwargs: dict[str, object] = field(default_factory=dict)


CONTENDERS = [
    Contender("remodel", "remodel"),
    Contender("migrate", "migrate"),
    Contender("migrate_tpm", "migrate", {"transaction_per_migration": True}),
]

ROWS = ["upgrade 1", "migrate", "upgrade {n} from empty", "downgrade base of {n}"]


class Backend:
    """Scratch databases on one backend, one per contender, made and dropped here."""

    def __init__(self, name: str, admin_url: str | None, workdir: Path) -> None:
        self.name = name
        self.admin_url = admin_url
        self.workdir = workdir
        self.made: set[str] = set()

    def _admin(self, statement: str) -> None:
        assert self.admin_url is not None
        engine = sa.create_engine(
            self.admin_url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT"
        )
        try:
            with engine.connect() as connection:
                connection.execute(sa.text(statement))
        finally:
            engine.dispose()

    def reachable(self) -> bool:
        if self.admin_url is None:
            return True
        try:
            self._admin("SELECT 1")
        except Exception as exc:  # any driver error: the backend is left out, and says why
            print(f"{self.name}: not reachable ({type(exc).__name__}); skipped", file=sys.stderr)
            return False
        return True

    def database(self, label: str) -> str:
        return f"remodel_cmdbench_{label}"

    def url(self, label: str) -> str:
        if self.admin_url is None:
            return f"sqlite:///{self.workdir / f'{label}.db'}"
        base = sa.engine.make_url(self.admin_url)
        return base.set(database=self.database(label)).render_as_string(hide_password=False)

    def fresh(self, label: str) -> None:
        """An empty database for *label* (dropped first if there)."""
        if self.admin_url is None:
            (self.workdir / f"{label}.db").unlink(missing_ok=True)
            return
        self.drop(label)
        self._admin(f"CREATE DATABASE {self.database(label)}")
        self.made.add(label)

    def drop(self, label: str) -> None:
        if self.admin_url is None:
            (self.workdir / f"{label}.db").unlink(missing_ok=True)
            return
        force = " WITH (FORCE)" if self.name == "postgresql" else ""
        self._admin(f"DROP DATABASE IF EXISTS {self.database(label)}{force}")

    def drop_all(self) -> None:
        for label in sorted(self.made):
            self.drop(label)


def flask_db(
    root: Path, url: str, *args: str, kwargs: dict[str, object] | None = None,
    models: bool = False, out: int | None = None,
) -> float:
    """Run ``flask db ARGS`` in *root* on *url*; its wall time (raises if it fails)."""
    env = child_env(FLASK_APP="app.py", BENCH_URL=url)
    if kwargs:
        env["BENCH_MIGRATE_KWARGS"] = json.dumps(kwargs)
    if models:
        env["BENCH_MODELS"] = "1"
    elapsed, done = timed_process(
        [flask_bin(), "db", *args], "wall", cwd=root, env=env,
        stdout=out if out is not None else subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    if done.returncode != 0:
        raise SystemExit(f"flask db {' '.join(args)} failed in {root}:\n{done.stderr.decode()}")
    return elapsed


def project(workdir: Path, tool: str, name: str, versions: Path, url: str) -> Path:
    """A Flask app for *tool* whose migrations folder holds the revisions in *versions*."""
    root = workdir / f"{tool}-{name}"
    if root.exists():
        shutil.rmtree(root)
    root.mkdir()
    (root / "app.py").write_text(APP.format(module=TOOLS[tool]))
    flask_db(root, url, "init")
    for path in versions.glob("*.py"):
        shutil.copy2(path, root / "migrations" / "versions" / path.name)
    return root


def revision_ids(versions: Path) -> list[str]:
    """The history's ids, oldest first (linear: each file names the one before)."""
    parents: dict[str | None, str] = {}
    for path in versions.glob("*.py"):
        found: dict[str, object] = {}
        for line in path.read_text().splitlines():
            for key in ("revision", "down_revision"):
                if line.startswith(f"{key}:"):
                    found[key] = eval(line.split("=", 1)[1].strip())  # a literal we wrote
        parents[found["down_revision"]] = str(found["revision"])  # type: ignore[index]
    ids, current = [], parents.get(None)
    while current is not None:
        ids.append(current)
        current = parents.get(current)
    return ids


def new_files(versions: Path, known: set[str]) -> list[Path]:
    return [path for path in versions.glob("*.py") if path.name not in known]


class Bench:
    def __init__(self, workdir: Path, revisions: int, repeat: int) -> None:
        self.workdir = workdir
        self.revisions = revisions
        self.repeat = repeat
        small = workdir / "gen-small"
        big = workdir / f"gen-{revisions}"
        write_history(small, SMALL_REVISIONS)
        write_history(big, revisions)
        self.small_versions = small / "migrations" / "versions"
        self.big_versions = big / "migrations" / "versions"
        self.small_ids = revision_ids(self.small_versions)

    def rounds(self, run_once: Callable[[Contender], float]) -> dict[str, float]:
        """Median of --repeat runs of each contender, taking turns (the order turns too)."""
        times: dict[str, list[float]] = {c.label: [] for c in CONTENDERS}
        for round_number in range(self.repeat):
            order = CONTENDERS if round_number % 2 == 0 else CONTENDERS[::-1]
            for contender in order:
                times[contender.label].append(run_once(contender))
        return {label: statistics.median(found) for label, found in times.items()}

    def backend(self, backend: Backend) -> dict[str, dict[str, float]]:
        folder = self.workdir / backend.name
        folder.mkdir()
        probe = backend.url("probe")
        small = {t: project(folder, t, "small", self.small_versions, probe) for t in TOOLS}
        big = {t: project(folder, t, "big", self.big_versions, probe) for t in TOOLS}
        table: dict[str, dict[str, float]] = {}
        try:
            table.update(self.small_rows(backend, small))
            table.update(self.big_rows(backend, big))
        finally:
            backend.drop_all()
        return table

    def small_rows(self, backend: Backend, roots: dict[str, Path]) -> dict[str, dict[str, float]]:
        before_last = self.small_ids[-2]
        for contender in CONTENDERS:
            backend.fresh(contender.label)
            flask_db(roots[contender.tool], backend.url(contender.label), "upgrade", before_last,
                     kwargs=contender.kwargs)

        def upgrade_one(contender: Contender) -> float:
            root, url = roots[contender.tool], backend.url(contender.label)
            took = flask_db(root, url, "upgrade", kwargs=contender.kwargs)
            flask_db(root, url, "downgrade", before_last, kwargs=contender.kwargs)
            return took

        rows = {"upgrade 1": self.rounds(upgrade_one)}
        for contender in CONTENDERS:
            flask_db(roots[contender.tool], backend.url(contender.label), "upgrade",
                     kwargs=contender.kwargs)

        def autogenerate(contender: Contender) -> float:
            root, url = roots[contender.tool], backend.url(contender.label)
            versions = root / "migrations" / "versions"
            known = {path.name for path in versions.glob("*.py")}
            took = flask_db(root, url, "migrate", "-m", "bench extra", kwargs=contender.kwargs,
                            models=True)
            made = new_files(versions, known)
            if len(made) != 1 or "bench_extra" not in made[0].read_text():
                raise SystemExit(f"migrate in {root} did not write the one change: {made}")
            for path in made:
                path.unlink()
            return took

        rows["migrate"] = self.rounds(autogenerate)
        return rows

    def big_rows(self, backend: Backend, roots: dict[str, Path]) -> dict[str, dict[str, float]]:
        n = self.revisions
        upgrades: dict[str, list[float]] = {c.label: [] for c in CONTENDERS}
        downgrades: dict[str, list[float]] = {c.label: [] for c in CONTENDERS}
        for contender in CONTENDERS:  # untimed: .pyc files and Flask-Remodel's cache written
            backend.fresh(contender.label)
            flask_db(roots[contender.tool], backend.url(contender.label), "upgrade",
                     kwargs=contender.kwargs)
        for round_number in range(self.repeat):
            order = CONTENDERS if round_number % 2 == 0 else CONTENDERS[::-1]
            for contender in order:
                root, url = roots[contender.tool], backend.url(contender.label)
                backend.fresh(contender.label)
                upgrades[contender.label].append(
                    flask_db(root, url, "upgrade", kwargs=contender.kwargs)
                )
                downgrades[contender.label].append(
                    flask_db(root, url, "downgrade", "base", kwargs=contender.kwargs)
                )
        rows = {
            f"upgrade {n} from empty": {k: statistics.median(v) for k, v in upgrades.items()},
            f"downgrade base of {n}": {k: statistics.median(v) for k, v in downgrades.items()},
        }
        if backend.name == "postgresql":
            rows[f"upgrade {n} from empty"]["psql"] = self.psql_figure(backend, roots["remodel"])
        return rows

    def psql_figure(self, backend: Backend, root: Path) -> float:
        """``psql`` applying what ``flask db upgrade --sql`` writes for the whole history."""
        sql = self.workdir / "upgrade.sql"
        url = backend.url("remodel")
        with open(sql, "w") as out:
            flask_db(root, url, "upgrade", "--sql", out=out.fileno())
        plain = sa.engine.make_url(url).set(drivername="postgresql").render_as_string(
            hide_password=False
        )
        times = []
        for _ in range(self.repeat):
            backend.fresh("remodel")
            times.append(timed_process(
                ["psql", plain, "-q", "-v", "ON_ERROR_STOP=1", "-f", str(sql)], "wall",
                check=True, stdout=subprocess.DEVNULL,
            )[0])
        return statistics.median(times)


def print_table(results: dict[str, dict[str, dict[str, float]]], n: int) -> None:
    print(
        "| command | database | Remodel s | Migrate s | ratio | Migrate, per-revision "
        "transactions s | ratio | psql s | × psql |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for row in ROWS:
        name = row.format(n=n)
        for backend, table in results.items():
            figures = table.get(name)
            if figures is None:
                continue
            remodel, migrate, tpm = figures["remodel"], figures["migrate"], figures["migrate_tpm"]
            psql = figures.get("psql")
            psql_cells = f"{psql:.2f} | {remodel / psql:.2f}" if psql else " | "
            print(
                f"| {name} | {backend} | {remodel:.2f} | {migrate:.2f} | {remodel / migrate:.2f} "
                f"| {tpm:.2f} | {remodel / tpm:.2f} | {psql_cells} |"
            )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--revisions", type=int, default=300)
    parser.add_argument("--backends", default="sqlite,postgresql,mariadb")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--mariadb-url", default="mysql+pymysql://root@127.0.0.1:3306/")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.revisions < SMALL_REVISIONS:
        parser.error(f"--revisions must be at least {SMALL_REVISIONS}")
    admin_urls = {"sqlite": None, "postgresql": args.pg_url, "mariadb": args.mariadb_url}
    names = [name.strip() for name in args.backends.split(",") if name.strip()]
    unknown = set(names) - set(admin_urls)
    if unknown:
        parser.error(f"unknown backend(s): {', '.join(sorted(unknown))}")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="remodel-commands-"))
    workdir.mkdir(parents=True, exist_ok=True)
    compile_packages()
    bench = Bench(workdir, args.revisions, args.repeat)
    results = {}
    try:
        for name in names:
            backend = Backend(name, admin_urls[name], workdir)
            if backend.reachable():
                print(f"{name} ...", file=sys.stderr, flush=True)
                results[name] = bench.backend(backend)
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"Median wall time of {args.repeat} runs each, tools taking turns; "
          f"ratio = Flask-Remodel / Flask-Migrate 4.1 (lower is better).")
    print_table(results, args.revisions)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
