#!/usr/bin/env python3
"""Start-up: what importing Flask-Remodel costs an app, next to Flask-Migrate.

Usage:
    python bench/startup.py [--repeat N] [--clock cpu|wall]

Every ``flask`` command, and every process of the app (web workers included),
imports the migration tool. Each row is the best of ``--repeat`` fresh
processes (default 15; CPU time, user + system, unless ``--clock wall``):

* ``import``: ``python -c "import <tool>"``;
* ``app``: importing a Flask app with Flask-SQLAlchemy and ``Migrate(app, db)``
  (the "app alone" column is the same app without ``Migrate``);
* ``flask db --help``: building the ``flask db`` group and printing it.

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


def best(repeat: int, command: list[str], clock: str, cwd: Path | None = None) -> float:
    env = child_env(FLASK_APP="app.py")
    times = []
    for _ in range(repeat):
        elapsed, done = timed_process(
            command, clock, cwd=cwd, env=env, capture_output=True
        )
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr.decode()}")
        times.append(elapsed)
    return min(times)


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
        rows = [
            (
                "import",
                None,
                {tool: best(args.repeat, [*python, f"import {m}"], args.clock)
                 for tool, m in TOOLS.items()},
            ),
            (
                "app",
                best(args.repeat, [*python, "import app"], args.clock, bare),
                {tool: best(args.repeat, [*python, "import app"], args.clock, root)
                 for tool, root in apps.items()},
            ),
            (
                "flask db --help",
                None,
                {tool: best(args.repeat, [flask_bin(), "db", "--help"], args.clock, root)
                 for tool, root in apps.items()},
            ),
        ]
    print(f"Start-up (best of {args.repeat}, {args.clock} s; ratio = remodel / migrate):")
    print(f"  {'what':<16} {'app alone':>9} {'remodel':>8} {'migrate':>8} {'ratio':>6}")
    for label, alone, figures in rows:
        alone_text = f"{alone:9.3f}" if alone is not None else f"{'':>9}"
        remodel, migrate = figures["remodel"], figures["migrate"]
        print(
            f"  {label:<16} {alone_text} {remodel:8.3f} {migrate:8.3f} {remodel / migrate:6.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
