"""Walk the example app through the migration workflow on SQLite, printing each step.

Run from the repository root with `make demo`. The app is copied into
examples/demo-run/ first, so the demo starts from scratch every time and
leaves the example itself untouched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).parent / "notes"
RUN = Path(__file__).parent / "demo-run"
FLASK = Path(sys.executable).parent / "flask"


def step(title: str, *args: str) -> str:
    print(f"\n=== {title}\n$ flask db {' '.join(args)}", flush=True)
    env = {**os.environ, "FLASK_APP": "app.py", "PYTHONPATH": str(RUN)}
    done = subprocess.run(
        [str(FLASK), "db", *args], cwd=RUN, env=env, capture_output=True, text=True
    )
    print((done.stdout + done.stderr).rstrip())
    if done.returncode != 0:
        sys.exit(f"demo failed at '{title}' (exit {done.returncode})")
    return done.stdout


def use_models(name: str) -> None:
    shutil.copy(EXAMPLE / name, RUN / "models.py")


def main() -> None:
    shutil.rmtree(RUN, ignore_errors=True)
    shutil.copytree(EXAMPLE, RUN, ignore=shutil.ignore_patterns("__pycache__", "*.db"))
    step("Create the migrations folder", "init")
    step("First migration: the User model", "migrate", "-m", "Create users")
    step("Apply it", "upgrade")

    print("\n=== Change the models: User gets an email column")
    use_models("models_with_email.py")
    print((RUN / "models.py").read_text().rstrip())
    step("Generate the migration", "migrate", "-m", "Add user email")
    script = next((RUN / "migrations" / "versions").glob("*add_user_email.py"))
    print(f"\n--- {script.name}\n{script.read_text().rstrip()}")
    step("Apply it", "upgrade")
    step("Where the database stands", "current")
    step("Roll back one step", "downgrade")
    step("Where the database stands", "current")
    step("Upgrade again", "upgrade")
    step("The history", "history")
    current = step("Check the models match the database", "check")
    print(f"\nDemo finished: every step succeeded ({current.strip()}).")


if __name__ == "__main__":
    main()
