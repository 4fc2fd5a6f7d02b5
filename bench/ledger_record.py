"""How big the deploy ledger's record of a revision gets, against the batches of its backfill.

For each backend and each N: a fresh database, a table of N rows, and one
revision that backfills a column with ``batch_size=1`` (N batches, each
committed on its own); ``flask db upgrade`` runs it, then the size of the
revision's ``executed`` column (characters and UTF-8 bytes) and the upgrade's
outcome are printed. MariaDB's ``TEXT`` column holds 65,535 bytes (issue 18:
the record used to grow by one statement per batch, until the upgrade failed).

Usage::

    .venv/bin/python bench/ledger_record.py [--batches 100,1000,2000]
        [--backends mariadb,postgresql,sqlite]

Servers as for ``bench/online.py``. Run it with ``PYTHONPATH`` pointing at
another checkout's ``src`` to measure that version.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from online import database

BACKFILL = """
    op.create_table('big', sa.Column('id', sa.Integer, primary_key=True),
                    sa.Column('n', sa.Integer))
    op.bulk_insert(sa.table('big', sa.column('id')), [{{'id': i}} for i in range(1, {rows} + 1)])
    op.backfill('big', {{'n': 'id'}}, where='n IS NULL', batch_size=1, batch_time=None)
"""


@contextlib.contextmanager
def fresh(backend: str, folder: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'bench.db'}"
        return
    with database(backend) as url:
        yield url


def measure(backend: str, batches: int) -> str:
    with tempfile.TemporaryDirectory() as tmp, fresh(backend, Path(tmp)) as url:
        from flask_remodel import Migrate

        app = Flask(f"bench_ledger_{secrets.token_hex(3)}")
        app.config.update(SQLALCHEMY_DATABASE_URI=url, REMODEL_LINT="off")
        db = SQLAlchemy(app)
        Migrate(app, db, directory=str(Path(tmp) / "migrations"))
        runner = app.test_cli_runner()
        runner.invoke(args=["db", "init"])
        runner.invoke(args=["db", "revision", "-m", "fill", "--rev-id", "fill"])
        path = next((Path(tmp) / "migrations" / "versions").glob("fill_*.py"))
        path.write_text(
            path.read_text().replace(
                "def upgrade():\n    pass\n",
                "def upgrade():" + BACKFILL.format(rows=batches),
            )
        )
        with contextlib.redirect_stderr(io.StringIO()):
            result = runner.invoke(args=["db", "upgrade"])
        outcome = "ok" if result.exit_code == 0 else _error(result.output)
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        with engine.connect() as connection:
            record = connection.execute(
                sa.text("SELECT executed FROM remodel_ledger WHERE revision = 'fill'")
            ).scalar() or ""
        engine.dispose()
        with app.app_context():
            db.engine.dispose()  # before the database is dropped
    size = f"{len(record):>7,} chars {len(record.encode()):>7,} bytes"
    return f"{backend:<10} {batches:>7,} batches: record {size}; upgrade: {outcome}"


def _error(output: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith("Error")]
    return (lines[-1] if lines else output.strip().splitlines()[-1])[:160]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", default="100,1000,2000")
    parser.add_argument("--backends", default="mariadb")
    args = parser.parse_args()
    for backend in args.backends.split(","):
        for batches in (int(n) for n in args.batches.split(",")):
            print(measure(backend, batches), flush=True)


if __name__ == "__main__":
    main()
