"""Walk the notes example app through the migration workflow on SQLite, printing each step.

Run from the repository root with ``make demo`` (or ``.venv/bin/python examples/demo.py``).
The app is copied into ``examples/demo-run/`` first, so every run starts from
scratch and the example itself stays untouched. Each step runs the venv's
``flask`` as a subprocess with ``FLASK_APP=app.py``; the first step that fails
stops the demo with a non-zero exit status.
"""

from __future__ import annotations

import difflib
import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent / "notes"
RUN = Path(__file__).resolve().parent / "demo-run"
FLASK = Path(sys.executable).parent / "flask"
STEP_TIMEOUT = 120  # seconds


class DemoFailed(Exception):
    pass


class Demo:
    def __init__(self) -> None:
        self.number = 0

    def header(self, title: str) -> None:
        self.number += 1
        print(f"\n=== Step {self.number}: {title}", flush=True)

    def flask_db(self, title: str, *args: str) -> str:
        """Run ``flask db <args>`` in the run folder and print its output.

        Returns the output without Alembic's ``INFO`` log lines.
        """
        self.header(title)
        print(f"$ flask db {' '.join(args)}", flush=True)
        env = {**os.environ, "FLASK_APP": "app.py"}
        env.pop("FLASK_RUN_FROM_CLI", None)
        try:
            done = subprocess.run(
                [str(FLASK), "db", *args],
                cwd=RUN,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,  # keep Alembic's log lines in order
                text=True,
                timeout=STEP_TIMEOUT,
            )
        except FileNotFoundError as error:
            raise DemoFailed(f"{FLASK} not found: run `make demo` to create the venv") from error
        except subprocess.TimeoutExpired as error:
            raise DemoFailed(f"'flask db {' '.join(args)}' took over {STEP_TIMEOUT}s") from error
        output = done.stdout.rstrip()
        if output:
            print(output, flush=True)
        if done.returncode != 0:
            raise DemoFailed(
                f"step {self.number} ({title}): 'flask db {' '.join(args)}'"
                f" exited with status {done.returncode}"
            )
        return "\n".join(line for line in output.splitlines() if not line.startswith("INFO  ["))

    def change_models(self, new_version: str) -> None:
        self.header("Change the models: username becomes fullname, and email is required")
        old = (RUN / "models.py").read_text()
        new = (EXAMPLE / new_version).read_text()
        (RUN / "models.py").write_text(new)
        diff = difflib.unified_diff(
            old.splitlines(), new.splitlines(), "models.py", "models.py", lineterm=""
        )
        print("\n".join(diff), flush=True)

    def show_script(self, slug: str) -> None:
        self.header("The generated migration script")
        found = sorted((RUN / "migrations" / "versions").glob(f"*_{slug}.py"))
        if len(found) != 1:
            raise DemoFailed(f"expected one migration script named *_{slug}.py, found {found}")
        print(f"--- migrations/versions/{found[0].name}\n{found[0].read_text().rstrip()}")


DATABASE = RUN / "instance" / "notes.db"  # where app.py puts it (the app's instance folder)


def add_users(demo: Demo) -> None:
    demo.header("Put two users in the table (the data the next migration must keep)")
    # closing(): a sqlite3 connection's own context manager commits but does not close.
    with closing(sqlite3.connect(DATABASE)) as connection, connection:
        connection.executemany(
            "INSERT INTO user (username) VALUES (?)", [("ada",), ("grace",)]
        )
    show_users(demo, header=False)


def show_users(demo: Demo, header: bool = True) -> None:
    if header:
        demo.header("The users are all still there")
    with closing(sqlite3.connect(DATABASE)) as connection:
        cursor = connection.execute("SELECT * FROM user ORDER BY id")
        names = [column[0] for column in cursor.description]
        rows = cursor.fetchall()
    print(" | ".join(names))
    for row in rows:
        print(" | ".join(str(value) for value in row))
    if len(rows) != 2:
        raise DemoFailed(f"expected the 2 users, found {len(rows)}")


def fresh_copy() -> None:
    shutil.rmtree(RUN, ignore_errors=True)
    RUN.mkdir(parents=True)
    for name in ("app.py", "models.py"):
        shutil.copy(EXAMPLE / name, RUN / name)
    print(f"Copied {EXAMPLE.name}/app.py and models.py into {RUN}", flush=True)


def main() -> int:
    demo = Demo()
    try:
        fresh_copy()
        demo.flask_db("Create the migrations folder", "init")
        demo.flask_db("First migration: the User model", "migrate", "-m", "Create users")
        demo.flask_db("Apply it", "upgrade")
        add_users(demo)
        demo.change_models("models_with_email.py")
        # Without the options migrate asks both questions (on stdin); here they are given.
        demo.flask_db(
            "Generate a migration for the change", "migrate", "-m", "Add user email",
            "--rename", "user.username=fullname", "--default", "user.email=unknown@example.com",
        )
        demo.show_script("add_user_email")
        demo.flask_db("Apply it", "upgrade")
        show_users(demo)
        demo.flask_db("Where the database stands", "current")
        demo.flask_db("Roll back one revision", "downgrade")
        show_users(demo)
        demo.flask_db("Where the database stands now", "current")
        demo.flask_db("Upgrade again", "upgrade")
        demo.flask_db("The history", "history")
        check = demo.flask_db("Check that the models match the database", "check")
    except DemoFailed as error:
        print(f"\nDemo FAILED: {error}", file=sys.stderr, flush=True)
        return 1
    print(f"\nDemo finished: all {demo.number} steps succeeded ({check.strip()}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
