"""What linting costs on a long history: the step ``flask db upgrade`` adds.

Writes N linear revisions (a table every 8th revision, two columns and
sometimes an index otherwise, like autogenerate output) to a temporary
folder, then times, per target:

* Flask-Remodel linting the newest revision (every older one replayed
  offline for the schema, not rendered): what ``upgrade`` pays per run;
* Flask-Remodel linting all N revisions (``flask db lint --all``);
* for PostgreSQL, the squawk route for the newest revision: Alembic renders
  ``upgrade PREV:HEAD --sql`` (which also loads the whole folder), then squawk
  reads it.

Run: ``python bench/lint_overhead.py [N]`` (default 500; squawk from the
``bench`` dependency group).
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from flask_remodel.lint import Target
from flask_remodel.lint import lint_script_directory

ENV = """from alembic import context
context.configure(url="postgresql://", literal_binds=True, transaction_per_migration=True)
with context.begin_transaction():
    context.run_migrations()
"""
TYPES = ["sa.Integer()", "sa.String(40)", "sa.Boolean()", "sa.DateTime()", "sa.Numeric(10, 2)"]


def _body(k: int, table: int) -> str:
    if k % 8 == 0:
        return (f'    op.create_table("t_{k}", sa.Column("id", sa.BigInteger(), primary_key=True),'
                f' sa.Column("name", sa.String(80), nullable=False))\n')
    body = (f'    op.add_column("t_{table}", sa.Column("c_{k}", {TYPES[k % len(TYPES)]}))\n'
            f'    op.add_column("t_{table}", sa.Column("v_{k}", sa.String(120)))\n')
    if k % 3 == 0:
        body += f'    op.create_index("ix_t_{table}_c_{k}", "t_{table}", ["c_{k}"])\n'
    return body


def write_history(folder: Path, count: int) -> None:
    versions = folder / "versions"
    versions.mkdir(parents=True)
    (folder / "env.py").write_text(ENV)
    (folder / "script.py.mako").write_text("")
    table = 0
    for k in range(count):
        if k % 8 == 0:
            table = k
        down = repr(f"r{k - 1:05d}") if k else "None"
        (versions / f"r{k:05d}.py").write_text(
            "import sqlalchemy as sa\nfrom alembic import op\n\n"
            f"revision = 'r{k:05d}'\ndown_revision = {down}\n\n\ndef upgrade():\n"
            + _body(k, table)
        )


def _timed(fn: object) -> float:
    start = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - start


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "migrations"
        write_history(folder, count)
        script = ScriptDirectory(str(folder))
        load = _timed(lambda: list(script.walk_revisions()))
        newest = script.get_current_head()
        print(f"{count} revisions; loading them (shared by every tool): {load:.2f} s")
        print(f"{'target':<16}{'newest only':>12}{'all revisions':>15}")
        for name in ("postgresql:15", "mariadb:10.11", "sqlite"):
            target = Target.parse(name)
            one = _timed(lambda t=target: lint_script_directory(script, t, [newest]))
            every = _timed(lambda t=target: lint_script_directory(script, t))
            print(f"{name:<16}{one:>11.2f}s{every:>14.2f}s")
        squawk = shutil.which("squawk") or str(Path(sys.executable).parent / "squawk")
        if Path(squawk).exists():
            config = Config()
            config.set_main_option("script_location", str(folder))
            buffer = io.StringIO()
            config.output_buffer = buffer
            previous = script.get_revision(newest).down_revision

            def squawk_newest() -> None:
                command.upgrade(config, f"{previous}:{newest}", sql=True)
                subprocess.run([squawk, "--stdin-filepath", "newest.sql"],
                               input=buffer.getvalue(), capture_output=True, text=True)

            print(f"squawk route for the newest revision (render --sql + squawk): "
                  f"{_timed(squawk_newest):.2f} s")


if __name__ == "__main__":
    main()
