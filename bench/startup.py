#!/usr/bin/env python3
"""Start-up: what importing Flask-Remodel costs an app, next to Flask-Migrate.

Usage:
    python bench/startup.py [--repeat N] [--clock cpu|wall]

Every ``flask`` command, and every process of the app (web workers included),
imports the migration tool. Each row is the best of ``--repeat`` fresh
processes (default 15, taken in turns so that all see the same load; CPU
time, user + system, unless ``--clock wall``):

* ``import``: ``python -c "import <tool>"``;
* ``app``: importing a Flask app with Flask-SQLAlchemy and ``Migrate(app, db)``
  (the "app alone" column is the same app without ``Migrate``);
* ``flask db --help``: building the ``flask db`` group and listing every command;
* ``flask db heads --help``: looking up one command, as running it does.

Best rather than median: start-up work is the same every time, and only the
machine's other load makes a run slower.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from history import child_env
from history import compile_packages
from history import flask_bin
from history import timed_process

TOOLS = {"remodel": "flask_remodel", "migrate": "flask_migrate"}

APP = """\
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
{tool_import}
app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
db = SQLAlchemy(app)
{tool_use}
"""


def write_app(folder: Path, module: str | None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "app.py").write_text(
        APP.format(
            tool_import=f"from {module} import Migrate" if module else "",
            tool_use="migrate = Migrate(app, db)" if module else "",
        )
    )
    return folder


def best_of_interleaved(
    repeat: int, jobs: dict[str, tuple[list[str], Path | None]], clock: str
) -> dict[str, float]:
    """The best time of each job over *repeat* rounds, each round running every job once.

    Round-robin rather than one job after another: the load of the shared
    machine changes over a minute, and every figure should see the same load.
    """
    env = child_env(FLASK_APP="app.py")
    times: dict[str, list[float]] = {key: [] for key in jobs}
    for _ in range(repeat):
        for key, (command, cwd) in jobs.items():
            elapsed, done = timed_process(command, clock, cwd=cwd, env=env, capture_output=True)
            if done.returncode != 0:
                raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr.decode()}")
            times[key].append(elapsed)
    return {key: min(found) for key, found in times.items()}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--clock", choices=["wall", "cpu"], default="cpu")
    args = parser.parse_args(argv)

    compile_packages()
    with tempfile.TemporaryDirectory(prefix="remodel-startup-") as tmp:
        work = Path(tmp)
        bare = write_app(work / "bare", None)
        apps = {tool: write_app(work / tool, module) for tool, module in TOOLS.items()}
        python = [sys.executable, "-c"]
        jobs: dict[str, tuple[list[str], Path | None]] = {
            "app alone": ([*python, "import app"], bare)
        }
        for tool, module in TOOLS.items():
            root = apps[tool]
            jobs[f"import {tool}"] = ([*python, f"import {module}"], None)
            jobs[f"app {tool}"] = ([*python, "import app"], root)
            jobs[f"flask db --help {tool}"] = ([flask_bin(), "db", "--help"], root)
            jobs[f"flask db heads --help {tool}"] = (
                [flask_bin(), "db", "heads", "--help"], root
            )
        found = best_of_interleaved(args.repeat, jobs, args.clock)
    rows = [
        (label, found["app alone"] if label == "app" else None,
         {tool: found[f"{label} {tool}"] for tool in TOOLS})
        for label in ("import", "app", "flask db --help", "flask db heads --help")
    ]
    print(f"Start-up (best of {args.repeat}, {args.clock} s; ratio = remodel / migrate):")
    print(f"  {'what':<22} {'app alone':>9} {'remodel':>8} {'migrate':>8} {'ratio':>6}")
    for label, alone, figures in rows:
        alone_text = f"{alone:9.3f}" if alone is not None else f"{'':>9}"
        remodel, migrate = figures["remodel"], figures["migrate"]
        print(
            f"  {label:<22} {alone_text} {remodel:8.3f} {migrate:8.3f} {remodel / migrate:6.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
