"""Helpers for the SQLite safety tests: databases, migrations, what was sent."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations

from flask_remodel.sqlite import sqlite_configure_options
from flask_remodel.sqlite import sqlite_migration_session

Steps = Callable[[Operations], object]

PARENT_AND_CHILDREN = [
    "CREATE TABLE parent (id INTEGER PRIMARY KEY, name VARCHAR(20))",
    "CREATE TABLE child (id INTEGER PRIMARY KEY,"
    " parent_id INTEGER CONSTRAINT fk_child_parent REFERENCES parent (id) ON DELETE CASCADE,"
    " step_id INTEGER CONSTRAINT fk_child_step REFERENCES parent (id) ON DELETE SET NULL)",
    "INSERT INTO parent (id, name) VALUES (1, 'a'), (2, 'b')",
    "INSERT INTO child (id, parent_id, step_id) VALUES (10, 1, 2), (11, 2, 1), (12, 2, 2)",
]


def sqlite_engine(path: Path, *, enforce_foreign_keys: bool) -> sa.engine.Engine:
    """An engine to a database file, optionally with what apps commonly add."""
    engine = sa.create_engine(f"sqlite:///{path}")
    if enforce_foreign_keys:

        @sa.event.listens_for(engine, "connect")
        def on_connect(dbapi_connection: Any, record: Any) -> None:
            dbapi_connection.execute("PRAGMA foreign_keys=ON")

    return engine


def setup(engine: sa.engine.Engine, statements: list[str]) -> None:
    with engine.begin() as connection:
        for statement in statements:
            connection.exec_driver_sql(statement)


def migrate(connection: sa.engine.Connection, steps: Steps) -> None:
    """Run *steps* as one migration in one transaction, as the runner configures it."""
    context = MigrationContext.configure(
        connection, opts=sqlite_configure_options(connection.dialect.name)
    )
    with context.begin_transaction():
        steps(Operations(context))


def migrate_safely(engine: sa.engine.Engine, steps: Steps) -> None:
    """*steps* on a fresh connection, inside the SQLite migration session."""
    with engine.connect() as connection, sqlite_migration_session(connection):
        migrate(connection, steps)


def rows(engine: sa.engine.Engine, sql: str) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.exec_driver_sql(sql)]


def tables(engine: sa.engine.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


class StatementLog:
    """The SQL a connection sends, to tell a rebuild from a plain ALTER."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.statements.append(statement)

    @property
    def rebuilt(self) -> bool:
        return any("_alembic_tmp_" in s for s in self.statements)

    def mentions(self, text: str) -> bool:
        return any(text.upper() in " ".join(s.upper().split()) for s in self.statements)


def logged(connection: sa.engine.Connection, log: StatementLog) -> sa.engine.Connection:
    sa.event.listen(connection, "before_cursor_execute", log)
    return connection


def migrate_logged(engine: sa.engine.Engine, steps: Steps, log: StatementLog) -> None:
    """:func:`migrate_safely`, recording the SQL sent in *log*."""
    with engine.connect() as connection, sqlite_migration_session(connection):
        migrate(logged(connection, log), steps)
