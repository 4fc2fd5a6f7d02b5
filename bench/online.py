"""How long writes wait while `flask db upgrade` runs: Flask-Migrate vs Flask-Remodel, as they come.

For each database and each change below, on a fresh database:

1. a table ``item`` of N rows (and ``parent``, 1,000 rows) is created from the
   "before" models and filled;
2. ``flask db migrate`` autogenerates the change from the "after" models:
   with Flask-Migrate 4.1 and with Flask-Remodel, each without options (Flask-Remodel
   writes its online forms by default on PostgreSQL and MariaDB/MySQL);
3. four writer connections run single-row UPDATEs and INSERTs in a loop
   (autocommit), and ``flask db upgrade`` runs while they do;
4. the longest time any one write took while the upgrade ran, and the upgrade's
   own time, are printed side by side, then the rows and the constraint are
   checked (row count, no NULLs, the foreign key valid, the index valid...).

Changes: add an index, add a foreign key, set NOT NULL, INTEGER to BIGINT,
add a column with a default, add a unique constraint, and add a column while a
long read transaction is open on the table.

Usage::

    .venv/bin/python bench/online.py [--rows 200000] [--read-seconds 10]
        [--backends postgresql,mariadb] [--cases add_index,set_not_null,...]

Servers: PostgreSQL at 127.0.0.1:5432 (user postgres) and MariaDB at
127.0.0.1:3306 (root), as for the tests. Each run makes its own database
(``bench_online_<hex>``) and drops it. The figures depend on the machine: run
both tools in one invocation and compare them, not numbers across machines.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import multiprocessing
import random
import secrets
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

SERVERS = {
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:5432/",
    "mariadb": "mysql+pymysql://root@127.0.0.1:3306/",
}
ADMIN_DATABASE = {"postgresql": "postgres", "mariadb": ""}
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
WRITERS = 4
PARENTS = 1000


@dataclass(frozen=True)
class Change:
    """One schema change: the "after" models differ from "before" in *after*."""

    name: str
    label: str
    after: dict[str, Any]
    long_read: bool = False


CHANGES = [
    Change("add_index", "add an index", {"email_index": True}),
    Change("add_fk", "add a foreign key", {"foreign_key": True}),
    Change("set_not_null", "set NOT NULL", {"email_nullable": False}),
    Change("int_to_bigint", "int to bigint", {"qty_type": sa.BigInteger}),
    Change("add_column_default", "add a column with a default", {"flag": True}),
    Change("unique", "add a unique constraint", {"code_unique": True}),
    Change("add_column_long_read", "add a column, long read open", {"note": True}, True),
]


def define_models(db: Any, email_index: bool = False, foreign_key: bool = False,
                  email_nullable: bool = True, qty_type: Any = sa.Integer,
                  flag: bool = False, code_unique: bool = False, note: bool = False) -> None:
    class Parent(db.Model):  # type: ignore[name-defined,misc]
        __tablename__ = "parent"
        id = sa.Column(sa.Integer, primary_key=True)

    fk = [sa.ForeignKey("parent.id")] if foreign_key else []
    columns: dict[str, Any] = {
        "__tablename__": "item",
        "id": sa.Column(sa.Integer, primary_key=True),
        "parent_id": sa.Column(sa.Integer, *fk, nullable=True),
        "email": sa.Column(sa.String(50), nullable=email_nullable, index=email_index),
        "qty": sa.Column(qty_type, nullable=True),
        "code": sa.Column(sa.String(30), nullable=True, unique=code_unique),
    }
    if flag:
        columns["flag"] = sa.Column(sa.Integer, nullable=False, server_default="0")
    if note:
        columns["note"] = sa.Column(sa.String(20), nullable=True)
    type("Item", (db.Model,), columns)


def make_app(tool: str, url: str, folder: Path, after: dict[str, Any] | None) -> Flask:
    app = Flask(f"bench_{tool}_{secrets.token_hex(3)}")
    app.config.update(SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_TRACK_MODIFICATIONS=False)
    db = SQLAlchemy(app, metadata=sa.MetaData(naming_convention=NAMING))
    define_models(db, **(after or {}))
    if tool == "flask-migrate":
        from flask_migrate import Migrate as FlaskMigrate

        FlaskMigrate(app, db, directory=str(folder))
    else:
        from flask_remodel import Migrate

        Migrate(app, db, directory=str(folder))
    app.extensions["bench_db"] = db
    return app


def cli(app: Flask, *args: str) -> None:
    # Flask-Migrate's env.py sets up logging from alembic.ini on each run; keep it quiet.
    with contextlib.redirect_stderr(io.StringIO()):
        result = app.test_cli_runner().invoke(args=["db", *args])
    logging.disable(logging.NOTSET)
    if result.exit_code != 0:
        raise RuntimeError(f"flask db {' '.join(args)} failed: {result.output}{result.exception!r}")


@contextlib.contextmanager
def database(backend: str) -> Iterator[str]:
    admin = sa.create_engine(SERVERS[backend] + ADMIN_DATABASE[backend],
                             isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    name = f"bench_online_{secrets.token_hex(4)}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield SERVERS[backend] + name
    finally:
        with admin.connect() as connection:
            if backend == "postgresql":
                connection.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")
            else:
                connection.exec_driver_sql(f"DROP DATABASE {name}")
        admin.dispose()


def fill(engine: sa.engine.Engine, backend: str, rows: int) -> None:
    with engine.begin() as connection:
        if backend == "postgresql":
            connection.exec_driver_sql(
                f"INSERT INTO parent (id) SELECT g FROM generate_series(1, {PARENTS}) g")
            connection.exec_driver_sql(
                "INSERT INTO item (parent_id, email, qty, code) SELECT MOD(g, 1000) + 1, "
                f"'user' || g || '@example.com', g, 'c' || g FROM generate_series(1, {rows}) g")
        else:
            connection.exec_driver_sql(
                f"INSERT INTO parent (id) SELECT seq FROM seq_1_to_{PARENTS}")
            connection.exec_driver_sql(
                "INSERT INTO item (parent_id, email, qty, code) SELECT MOD(seq, 1000) + 1, "
                f"CONCAT('user', seq, '@example.com'), seq, CONCAT('c', seq) FROM seq_1_to_{rows}")
    with engine.connect() as connection:
        analyze = "ANALYZE item" if backend == "postgresql" else "ANALYZE TABLE item"
        connection.exec_driver_sql(analyze)


def _write(url: str, rows: int, number: int, stop: Any, out: Any) -> None:
    """One writer process: single-row UPDATEs and INSERTs in a loop, each one timed.

    Processes, not threads: a thread would also wait for the benchmark's own
    Python (the GIL) and count that as database waiting.
    """
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    rng = random.Random(number)
    connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    samples: list[tuple[float, float]] = []
    inserted = 0
    errors: list[str] = []
    count = 0
    while not stop.is_set():
        count += 1
        started = time.monotonic()
        try:
            if rng.random() < 0.7:
                connection.execute(sa.text("UPDATE item SET qty = qty + 1 WHERE id = :id"),
                                   {"id": rng.randint(1, rows)})
            else:
                code = f"w{number}-{count}"
                connection.execute(
                    sa.text("INSERT INTO item (parent_id, email, qty, code)"
                            " VALUES (:p, :e, 1, :c)"),
                    {"p": rng.randint(1, PARENTS), "e": f"{code}@example.com", "c": code})
                inserted += 1
        except sa.exc.DBAPIError as exc:
            errors.append(str(exc.orig).splitlines()[0])
        samples.append((started, time.monotonic() - started))
        time.sleep(0.002)
    connection.close()
    engine.dispose()
    out.put((samples, inserted, errors))


@dataclass
class Writers:
    """Four processes writing single rows in a loop; every write's start and duration."""

    url: str
    rows: int
    samples: list[tuple[float, float]] = field(default_factory=list)
    inserted: int = 0
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        context = multiprocessing.get_context("fork")
        self.stop = context.Event()
        self.out = context.Queue()
        self.processes = [
            context.Process(target=_write, args=(self.url, self.rows, n, self.stop, self.out))
            for n in range(WRITERS)
        ]

    def start(self) -> None:
        for process in self.processes:
            process.start()

    def finish(self) -> None:
        self.stop.set()
        for _ in self.processes:
            samples, inserted, errors = self.out.get(timeout=60)
            self.samples += samples
            self.inserted += inserted
            self.errors += errors
        for process in self.processes:
            process.join()

    def slow_writes(self, start: float, end: float, limit: float = 0.1) -> int:
        """How many writes that overlapped [start, end] took longer than *limit* seconds."""
        return sum(1 for s, d in self.samples if s + d >= start and s <= end and d > limit)

    def longest_wait(self, start: float, end: float) -> tuple[float, float]:
        """The longest write that overlapped [start, end], and when it began (from start)."""
        during = [(d, s - start) for s, d in self.samples if s + d >= start and s <= end]
        return max(during, default=(0.0, 0.0))


@contextlib.contextmanager
def long_read(engine: sa.engine.Engine, seconds: float, enabled: bool) -> Iterator[None]:
    """A transaction that reads ``item`` and stays open *seconds* (a report, a slow request)."""
    if not enabled:
        yield
        return
    connection = engine.connect()
    connection.exec_driver_sql("SELECT COUNT(*) FROM item")
    timer = threading.Timer(seconds, connection.rollback)
    timer.start()
    try:
        yield
    finally:
        timer.join()
        connection.close()


def verify(engine: sa.engine.Engine, backend: str, change: Change, expected_rows: int) -> str:
    """What must hold after the upgrade; returns "ok" or what is wrong."""
    engine.dispose()
    inspector = sa.inspect(engine)
    columns = {c["name"]: c for c in inspector.get_columns("item")}
    problems = []
    with engine.connect() as connection:
        def scalar(sql: str) -> Any:
            return connection.exec_driver_sql(sql).scalar()

        if scalar("SELECT COUNT(*) FROM item") != expected_rows:
            problems.append(f"rows {scalar('SELECT COUNT(*) FROM item')} != {expected_rows}")
        if change.name == "add_index":
            if "ix_item_email" not in {ix["name"] for ix in inspector.get_indexes("item")}:
                problems.append("index missing")
            if backend == "postgresql" and not scalar(
                    "SELECT indisvalid FROM pg_index WHERE indexrelid = 'ix_item_email'::regclass"):
                problems.append("index INVALID")
        if change.name == "add_fk":
            if not inspector.get_foreign_keys("item"):
                problems.append("foreign key missing")
            if scalar("SELECT COUNT(*) FROM item i LEFT JOIN parent p ON p.id = i.parent_id "
                      "WHERE i.parent_id IS NOT NULL AND p.id IS NULL"):
                problems.append("orphans")
            if backend == "postgresql" and not scalar(
                    "SELECT bool_and(convalidated) FROM pg_constraint WHERE contype = 'f'"):
                problems.append("foreign key NOT VALID")
        if change.name == "set_not_null" and columns["email"]["nullable"]:
            problems.append("email still nullable")
        if change.name == "int_to_bigint":
            if not isinstance(columns["qty"]["type"], sa.BigInteger):
                problems.append(f"qty is {columns['qty']['type']}")
            if "qty_new" in columns:
                problems.append("qty_new left over")
        if change.name == "add_column_default" and scalar(
                "SELECT COUNT(*) FROM item WHERE flag IS NULL OR flag <> 0"):
            problems.append("flag not 0 everywhere")
        if change.name == "unique" and not any(
                u["column_names"] == ["code"] for u in inspector.get_unique_constraints("item")):
            problems.append("unique constraint missing")
        if change.name == "add_column_long_read" and "note" not in columns:
            problems.append("note missing")
    return "ok" if not problems else "; ".join(problems)


@dataclass
class Result:
    backend: str
    change: Change
    tool: str
    upgrade_s: float
    longest_ms: float
    longest_at_s: float
    slow: int
    writes: int
    errors: int
    check: str
    forms: str


def _operations(script: str) -> str:
    calls = [line.strip().split("(")[0] for line in script.split("def downgrade")[0].splitlines()
             if line.strip().startswith("op.")]
    return ", ".join(dict.fromkeys(calls))


def run_one(backend: str, change: Change, tool: str, rows: int, read_seconds: float) -> Result:
    with database(backend) as url, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "migrations"
        before = make_app(tool, url, folder, None)
        with before.app_context():
            before.extensions["bench_db"].create_all()
            engine = before.extensions["bench_db"].engine
        fill(engine, backend, rows)
        cli(before, "init")
        after = make_app(tool, url, folder, change.after)
        cli(after, "migrate", "-m", change.name)
        script = next((folder / "versions").glob("*.py")).read_text()
        engine.dispose()  # no pooled connection may cross into the writer processes
        writers = Writers(url, rows)
        writers.start()
        time.sleep(0.5)  # writers up to speed
        with long_read(engine, read_seconds, change.long_read):
            if change.long_read:
                time.sleep(0.2)
            started = time.monotonic()
            failure = ""
            try:
                cli(after, "upgrade")
            except RuntimeError as exc:
                failure = str(exc).splitlines()[0][:120]
            ended = time.monotonic()
        time.sleep(0.3)
        writers.finish()
        check = failure or verify(engine, backend, change, rows + writers.inserted)
        with after.app_context():
            after.extensions["bench_db"].engine.dispose()
        engine.dispose()
        longest, at = writers.longest_wait(started, ended)
        return Result(backend, change, tool, ended - started, 1000 * longest, at,
                      writers.slow_writes(started, ended), len(writers.samples),
                      len(writers.errors), check, _operations(script))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--read-seconds", type=float, default=10.0)
    parser.add_argument("--backends", default="postgresql,mariadb")
    parser.add_argument("--cases", default=",".join(c.name for c in CHANGES))
    args = parser.parse_args(argv)
    wanted = args.cases.split(",")
    unknown = set(wanted) - {c.name for c in CHANGES}
    if unknown:
        parser.error(f"unknown cases {sorted(unknown)}; known: {[c.name for c in CHANGES]}")
    results: list[Result] = []
    print(f"{args.rows:,} rows, {WRITERS} writers, long read {args.read_seconds:g} s", flush=True)
    for backend in args.backends.split(","):
        for change in [c for c in CHANGES if c.name in wanted]:
            for tool in ("flask-migrate", "flask-remodel"):
                result = run_one(backend, change, tool, args.rows, args.read_seconds)
                results.append(result)
                print(f"  {backend:10} {change.name:22} {tool:14} upgrade {result.upgrade_s:6.2f} s"
                      f"  longest write {result.longest_ms:8.1f} ms"
                      f" (at {result.longest_at_s:5.2f} s), {result.slow} over 100 ms"
                      f"  {result.check}", flush=True)
    report(results)
    return 0


def report(results: list[Result]) -> None:
    print()
    print("| database | change | Flask-Migrate: longest write wait / upgrade | "
          "Flask-Remodel: longest write wait / upgrade | ratio (wait) | "
          "writes over 100 ms (FM / FR) | checks | Flask-Remodel wrote |")
    print("|---|---|---|---|---|---|---|---|")
    pairs: dict[tuple[str, str], dict[str, Result]] = {}
    for result in results:
        pairs.setdefault((result.backend, result.change.label), {})[result.tool] = result
    for (backend, label), by_tool in pairs.items():
        plain, online = by_tool["flask-migrate"], by_tool["flask-remodel"]
        ratio = plain.longest_ms / online.longest_ms if online.longest_ms else float("inf")
        checks = "ok" if plain.check == online.check == "ok" else (
            f"FM: {plain.check}; FR: {online.check}")
        print(f"| {backend} | {label} | {plain.longest_ms:,.0f} ms / {plain.upgrade_s:.2f} s | "
              f"{online.longest_ms:,.0f} ms / {online.upgrade_s:.2f} s | {ratio:.1f}x | "
              f"{plain.slow} / {online.slow} | {checks} | {online.forms} |")
    errors = [(r.backend, r.change.name, r.tool, r.errors) for r in results if r.errors]
    for backend, name, tool, count in errors:
        print(f"note: {count} write(s) failed during {backend} {name} with {tool}")



if __name__ == "__main__":
    sys.exit(main())
