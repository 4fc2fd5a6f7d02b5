"""Look at a database the way a second process would: a fresh NullPool engine per call.

Nothing here goes through the app under test, so what these helpers report is
what is really in the database, not what the app's session or metadata believes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa


@contextmanager
def engine_for(url: str) -> Iterator[sa.engine.Engine]:
    """A NullPool engine on *url*, disposed when the block ends."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        yield engine
    finally:
        engine.dispose()


def table_names(url: str) -> list[str]:
    """The tables in *url*'s database, sorted (``alembic_version`` included).

    The deploy ledger and lock tables (``remodel_ledger``, ``remodel_lock``)
    are left out: every upgrade creates them, and tests/deploy checks them.
    """
    with engine_for(url) as engine:
        names = sa.inspect(engine).get_table_names()
    return sorted(name for name in names if name not in ("remodel_ledger", "remodel_lock"))


def columns(url: str, table: str) -> list[str]:
    """The column names of *table*, in table order."""
    return [column["name"] for column in column_details(url, table)]


def column_details(url: str, table: str) -> list[dict[str, Any]]:
    """What the inspector says about each column of *table* (name, type, nullable, ...)."""
    with engine_for(url) as engine:
        return [dict(column) for column in sa.inspect(engine).get_columns(table)]


def rows(url: str, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    """The rows of one SQL query, as tuples. Bind values with ``:name`` and keywords.

    Quote reserved names yourself (``user`` is one on PostgreSQL), or use
    :func:`table_rows`, which quotes for the backend.
    """
    with engine_for(url) as engine, engine.connect() as connection:
        return [tuple(row) for row in connection.execute(sa.text(sql), params)]


def table_rows(url: str, table: str, *names: str) -> list[tuple[Any, ...]]:
    """The values of columns *names* of *table*, ordered by the first of them."""
    if not names:
        raise TypeError("table_rows() needs at least one column name")
    selected = sa.table(table, *(sa.column(name) for name in names))
    statement = sa.select(*selected.c).order_by(selected.c[names[0]])
    with engine_for(url) as engine, engine.connect() as connection:
        return [tuple(row) for row in connection.execute(statement)]


def insert_rows(url: str, table: str, *values: dict[str, Any]) -> None:
    """Insert rows (one dict of column values each) into *table*, quoted for the backend."""
    names = sorted({name for row in values for name in row})
    target = sa.table(table, *(sa.column(name) for name in names))
    with engine_for(url) as engine, engine.begin() as connection:
        connection.execute(sa.insert(target), list(values))


def execute(url: str, *statements: str) -> None:
    """Run SQL *statements* in one transaction (to set up data or schema by hand)."""
    with engine_for(url) as engine, engine.begin() as connection:
        for statement in statements:
            connection.execute(sa.text(statement))
