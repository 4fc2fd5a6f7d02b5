#!/usr/bin/env python3
"""Big histories: Flask-Remodel vs Flask-Migrate on the same generated revisions.

Usage:
    python bench/history.py [SIZES] [--repeat N] [--workdir DIR] [--clock wall|cpu]
                            [--no-postgresql | --postgresql-only]
                            [--pg-url URL] [--pg-revisions N]

SIZES is a comma list of history lengths (default 100,1000,3000; 10000 works,
slowly). For each size, ``bench/linear_history.py`` writes a linear
history of revisions as ``alembic revision --autogenerate`` would; each tool
gets its own project: a Flask app with Flask-SQLAlchemy on an SQLite file,
its own ``flask db init`` folder holding those revisions, and a database
stamped at head. Then, for each tool, in one run:

* ``flask db heads``, ``history``, ``current`` and a no-op ``upgrade``;
* cold: before each timed run the revision files' ``__pycache__`` and the
  Flask-Remodel cache are deleted (a fresh container);
* warm: after one untimed run, as on a developer's machine.

Each figure is the median time of ``--repeat`` runs of the whole ``flask``
process (wall time, or with ``--clock cpu`` its user + system CPU time, the
steadier figure on a busy machine); the ratio is Flask-Remodel / Flask-Migrate (lower is
better). The issue's target is a warm ratio of at most 0.25 at 3,000. The
"over floor" column is the same ratio after subtracting, from both tools, the
time the same app without a migration tool needs to import (Flask,
Flask-SQLAlchemy and ``SQLAlchemy(app)``, measured first): roughly the part of
each command that the migration tool is responsible for. The two tools take
turns within each figure's runs, so both see the same load on a shared
machine.

With PostgreSQL reachable (default ``postgresql://postgres@127.0.0.1:5432``),
it also times ``flask db upgrade`` of ``--pg-revisions`` revisions (default
300) from an empty database, with each tool, against ``psql`` applying the SQL
that ``flask db upgrade --sql`` writes for the same revisions (target: within
1.5 times), and with Flask-Remodel's upgrade-time linting and lock timeouts
switched off in turn, to show what each costs. Flask-Migrate runs once more
with ``transaction_per_migration=True``, committing each revision as
Flask-Remodel does: the fair comparison for that choice. Database creation
is outside the timed part.

Import floors are printed first: what the app itself costs before any
command runs. Needs the project's test dependency group (Flask-Migrate 4.1,
Flask-SQLAlchemy, psycopg), as ``make .venv/.installed`` installs it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from linear_history import write_history

HERE = Path(__file__).resolve().parent
TOOLS = {"remodel": "flask_remodel", "migrate": "flask_migrate"}
COMMANDS = ["heads", "history", "current", "upgrade"]

APP = """\
import json
import os
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ.get("BENCH_URL", "sqlite:///bench.db")
app.config.update(json.loads(os.environ.get("BENCH_CONFIG", "{}")))
db = SQLAlchemy(app)
"""

#: What each tool adds to :data:`APP` (the floor is the app without it).
WITH_TOOL = """
from {module} import Migrate
migrate = Migrate(app, db, **json.loads(os.environ.get("BENCH_MIGRATE_KWARGS", "{{}}")))
"""


def flask_bin() -> str:
    return str(Path(sys.executable).with_name("flask"))


#: "wall" or "cpu" (user + system time of the child process): on a busy machine
#: CPU time is the steadier figure; --clock chooses.
CLOCK = "wall"


Completed = subprocess.CompletedProcess


def timed_process(
    command: list[str], clock: str | None = None, **kw: object
) -> tuple[float, Completed[bytes]]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, **kw)  # type: ignore[call-overload]
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return (wall if (clock or CLOCK) == "wall" else cpu), done


def child_env(**extra: str) -> dict[str, str]:
    """The environment for timed processes: ``.pyc`` files written, as by default.

    With ``PYTHONDONTWRITEBYTECODE`` set (as in some containers and CI shells)
    every "warm" run would compile the revision files again.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(extra)
    return env


def compile_packages() -> None:
    """Byte-compile both packages, as installing a wheel does.

    An editable install of Flask-Remodel has no ``.pyc`` files of its own
    until a process writes them; Flask-Migrate's came with its install.
    """
    import compileall

    import flask_migrate

    import flask_remodel

    for module in (flask_remodel, flask_migrate):
        compileall.compile_dir(str(Path(module.__file__ or "").parent), quiet=1)


def run(
    cwd: Path, *args: str, url: str | None = None, out: int | None = None,
    clock: str | None = None, config: dict[str, object] | None = None,
    migrate_kwargs: dict[str, object] | None = None,
) -> float:
    env = child_env(FLASK_APP="app.py")
    if url:
        env["BENCH_URL"] = url
    if config:
        env["BENCH_CONFIG"] = json.dumps(config)
    if migrate_kwargs:
        env["BENCH_MIGRATE_KWARGS"] = json.dumps(migrate_kwargs)
    elapsed, done = timed_process(
        [flask_bin(), "db", *args], clock, cwd=cwd, env=env,
        stdout=out if out is not None else subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    if done.returncode != 0:
        raise SystemExit(f"flask db {' '.join(args)} failed in {cwd}:\n{done.stderr.decode()}")
    return elapsed


def median_of(repeat: int, before: Callable[[], None], timed: Callable[[], float]) -> float:
    times = []
    for _ in range(repeat):
        before()
        times.append(timed())
    return statistics.median(times)


def generate(workdir: Path, n: int) -> Path:
    out = workdir / f"gen-{n}"
    if not out.exists():
        write_history(out, n)
    return out / "migrations" / "versions"


def project(workdir: Path, tool: str, versions: Path, n: int, url: str | None = None) -> Path:
    """A Flask app for *tool* whose migrations folder holds the generated revisions."""
    root = workdir / f"{tool}-{n}"
    if root.exists():
        shutil.rmtree(root)
    root.mkdir()
    (root / "app.py").write_text(APP + WITH_TOOL.format(module=TOOLS[tool]))
    run(root, "init", url=url)
    for path in versions.glob("*.py"):
        shutil.copy2(path, root / "migrations" / "versions" / path.name)
    return root


def clear_caches(root: Path) -> None:
    for cache in list(root.rglob("__pycache__")) + list(root.rglob(".remodel-cache")):
        if cache.parent != root:  # the app module's own .pyc stays: it is not a revision
            shutil.rmtree(cache)


def import_floors(workdir: Path, repeat: int) -> float:
    """Print what the imports cost; return the app's own floor (the app without a tool)."""
    print(f"Import floors (python -c ..., median {CLOCK} s):")
    bare = workdir / "bare-app"
    bare.mkdir(exist_ok=True)
    (bare / "app.py").write_text(APP)
    floors = {}
    for label, code in [
        ("flask", "import flask"),
        ("flask + flask_sqlalchemy", "import flask, flask_sqlalchemy"),
        ("... + alembic", "import flask, flask_sqlalchemy, alembic.script, alembic.command"),
        ("... + flask_remodel", "import flask, flask_sqlalchemy, flask_remodel"),
        ("... + flask_migrate", "import flask, flask_sqlalchemy, flask_migrate"),
        ("the app, no migration tool", "import app"),
    ]:
        def timed(code: str = code) -> float:
            return timed_process(
                [sys.executable, "-c", code], check=True, env=child_env(), cwd=bare
            )[0]

        floors[label] = median_of(repeat, lambda: None, timed)
        print(f"  {label:<28} {floors[label]:6.3f}")
    print()
    return floors["the app, no migration tool"]


def over(figure: float, floor: float) -> float:
    """The part of *figure* the migration tool is responsible for (never below a millisecond)."""
    return max(figure - floor, 0.001)


def bench_size(
    workdir: Path, n: int, repeat: int, floor: float
) -> list[tuple[str, str, float, float]]:
    versions = generate(workdir, n)
    roots = {tool: project(workdir, tool, versions, n) for tool in TOOLS}
    for root in roots.values():
        run(root, "stamp", "head")
    rows = []
    for command in COMMANDS:
        for mode in ("cold", "warm"):
            times: dict[str, list[float]] = {tool: [] for tool in roots}
            if mode == "warm":
                for root in roots.values():
                    run(root, command)
            # The tools take turns, so that both see the same load of the shared machine.
            for _ in range(repeat):
                for tool, root in roots.items():
                    if mode == "cold":
                        clear_caches(root)
                    times[tool].append(run(root, command))
            figures = {tool: statistics.median(found) for tool, found in times.items()}
            rows.append((command, mode, figures["remodel"], figures["migrate"]))
            remodel, migrate = figures["remodel"], figures["migrate"]
            print(
                f"  {n:>6} {command:<8} {mode:<5} {remodel:8.3f} {migrate:8.3f} "
                f"{remodel / migrate:7.2f} {over(remodel, floor) / over(migrate, floor):11.2f}",
                flush=True,
            )
    for root in roots.values():
        shutil.rmtree(root)
    return rows


#: Flask-Remodel with one safety feature off, to show what each costs per upgrade.
PG_VARIANTS: dict[str, dict[str, object]] = {
    "remodel, REMODEL_LINT=off": {"REMODEL_LINT": "off"},
    "remodel, REMODEL_LOCK_TIMEOUT=0": {"REMODEL_LOCK_TIMEOUT": 0},
    "remodel, both off": {"REMODEL_LINT": "off", "REMODEL_LOCK_TIMEOUT": 0},
}

#: Flask-Migrate committing each revision on its own, as Flask-Remodel does.
MIGRATE_PER_REVISION = "migrate, transaction_per_migration"


def psql(url: str, *args: str) -> None:  # notices (DROP ... IF EXISTS) stay quiet
    subprocess.run(
        ["psql", url, "-q", "-v", "ON_ERROR_STOP=1", *args],
        check=True, stdout=subprocess.DEVNULL,
        env=dict(os.environ, PGOPTIONS="-c client_min_messages=warning"),
    )


def bench_postgresql(workdir: Path, base_url: str, n: int, repeat: int) -> None:
    admin = f"{base_url}/postgres"
    name = f"remodel_bench_{os.getpid()}"
    url = f"{base_url}/{name}"
    try:
        psql(admin, "-c", "SELECT 1")
    except (subprocess.CalledProcessError, FileNotFoundError):
        print(f"PostgreSQL at {base_url} not reachable (or no psql): upgrade comparison skipped.")
        return
    versions = generate(workdir, n)
    sa_url = url.replace("postgresql://", "postgresql+psycopg://", 1)

    def reset() -> None:
        psql(admin, "-c", f"DROP DATABASE IF EXISTS {name}")
        psql(admin, "-c", f"CREATE DATABASE {name}")

    # Always wall time: the server does much of the work, outside every client's CPU time.
    print(f"\nupgrade of {n} revisions from an empty PostgreSQL database (median wall s):")
    figures = {}
    reset()
    roots = {tool: project(workdir, tool, versions, n, url=sa_url) for tool in TOOLS}
    for tool, root in roots.items():
        reset()
        run(root, "upgrade", url=sa_url)  # warm the .pyc files and the cache
        figures[tool] = median_of(
            repeat, reset, lambda root=root: run(root, "upgrade", url=sa_url, clock="wall")
        )
    # What Flask-Remodel's safety features cost here, each switched off in turn.
    for label, config in PG_VARIANTS.items():
        figures[label] = median_of(
            repeat, reset,
            lambda config=config: run(
                roots["remodel"], "upgrade", url=sa_url, clock="wall", config=config
            ),
        )
    figures[MIGRATE_PER_REVISION] = median_of(
        repeat, reset,
        lambda: run(
            roots["migrate"], "upgrade", url=sa_url, clock="wall",
            migrate_kwargs={"transaction_per_migration": True},
        ),
    )
    sql = workdir / "upgrade.sql"
    with open(sql, "w") as out:
        run(roots["remodel"], "upgrade", "--sql", url=sa_url, out=out.fileno())

    def apply_sql() -> float:
        return timed_process(
            ["psql", url, "-q", "-v", "ON_ERROR_STOP=1", "-f", str(sql)], "wall",
            check=True, stdout=subprocess.DEVNULL,
        )[0]

    figures["psql"] = median_of(repeat, reset, apply_sql)
    psql(admin, "-c", f"DROP DATABASE IF EXISTS {name}")
    for label in ("remodel", *PG_VARIANTS, "migrate", MIGRATE_PER_REVISION, "psql"):
        ratio = figures[label] / figures["psql"]
        print(f"  {label:<36} {figures[label]:7.3f}   {ratio:5.2f} x psql")
    for root in roots.values():
        shutil.rmtree(root)


def bench_commands(workdir: Path, sizes: list[int], repeat: int) -> None:
    floor = import_floors(workdir, repeat)
    print(f"Commands (median {CLOCK} s of the whole flask process; ratio = remodel / migrate;")
    print(f"over floor = the same ratio after taking the app's own {floor:.3f} s off both):")
    print(
        f"  {'N':>6} {'command':<8} {'mode':<5} {'remodel':>8} {'migrate':>8} {'ratio':>7} "
        f"{'over floor':>11}"
    )
    warm_at: dict[int, list[float]] = {}
    for n in sizes:
        rows = bench_size(workdir, n, repeat, floor)
        warm_at[n] = [remodel / migrate for _, mode, remodel, migrate in rows if mode == "warm"]
    for n, ratios in warm_at.items():
        print(f"  worst warm ratio at {n}: {max(ratios):.2f} (target at 3000: <= 0.25)")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="?", default="100,1000,3000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--no-postgresql", action="store_true")
    parser.add_argument(
        "--postgresql-only", action="store_true", help="only the PostgreSQL upgrade comparison"
    )
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--pg-revisions", type=int, default=300)
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall")
    args = parser.parse_args(argv)
    global CLOCK
    CLOCK = args.clock
    sizes = [int(size) for size in args.sizes.split(",")]
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="remodel-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)

    compile_packages()
    if not args.postgresql_only:
        bench_commands(workdir, sizes, args.repeat)
    if not args.no_postgresql:
        bench_postgresql(workdir, args.pg_url, args.pg_revisions, args.repeat)
    if args.workdir is None:
        shutil.rmtree(workdir)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
