"""``migrate --online --default``: a new required column filled by ``op.backfill``, then NOT NULL.

Plain ``migrate`` fills the column with one UPDATE in the revision's
transaction, under the ADD COLUMN's lock. With ``--online`` the fill is a
batched backfill that commits the ADD COLUMN first, so the table stays
readable while the rows are filled, and the NOT NULL is set online.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa

from support import engine_for
from support import execute
from support import table_rows
from support.apps import AppFactory
from support.apps import MadeApp
from support.apps import add_table

pytestmark = pytest.mark.backends("postgresql", "mariadb")

ROWS = 3000


def _members(*extra: sa.Column[Any]) -> Any:
    def define(db: Any) -> None:
        add_table(
            db, "member", sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("name", sa.String(50)), *extra,
        )

    return define


def _plan() -> sa.Column[Any]:
    return sa.Column("plan", sa.String(20), nullable=False)


def _start(make_app: AppFactory) -> MadeApp:
    made = make_app(_members())
    made.ok("init")
    made.ok("migrate", "-m", "start")
    made.ok("upgrade")
    member = sa.table("member", sa.column("id"), sa.column("name"))
    with made.engines()[None].begin() as connection:
        connection.execute(
            member.insert(), [{"id": i, "name": f"m{i}"} for i in range(1, ROWS + 1)]
        )
    return made


def _migrate_online(make_app: AppFactory, column: sa.Column[Any], value: str) -> MadeApp:
    made = make_app(_members(column))
    made.ok("migrate", "-m", "required", "--online", "--default", f"member.{column.name}={value}")
    return made


def _in_batches_of(made: MadeApp, size: int) -> str:
    """Give the written backfill a fixed batch size (it adapts to batch_time otherwise)."""
    path = made.script("required")
    text = path.read_text()
    assert text.count("IS NULL')") == 1, text
    text = text.replace("IS NULL')", f"IS NULL', batch_size={size}, batch_time=None)")
    path.write_text(text)
    return text


def _nullable(url: str, table: str, column: str) -> bool:
    with engine_for(url) as engine:
        columns = {c["name"]: c for c in sa.inspect(engine).get_columns(table)}
    return bool(columns[column]["nullable"])


def _short_lock_wait(connection: Any) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET lock_timeout = '2s'")
    else:
        connection.exec_driver_sql("SET SESSION lock_wait_timeout = 2")


class _ReaderDuringBackfill(logging.Handler):
    """After each batch, reads the table from another connection (see the test)."""

    def __init__(self, url: str) -> None:
        super().__init__(logging.INFO)
        self.url = url
        self.still_null: list[int | str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if not record.getMessage().startswith("Backfill member: ["):
            return
        try:
            with engine_for(self.url) as engine, engine.connect() as connection:
                _short_lock_wait(connection)
                found = connection.exec_driver_sql(
                    "SELECT COUNT(*) FROM member WHERE plan IS NULL"
                ).scalar()
            self.still_null.append(int(found or 0))
        except sa.exc.DBAPIError as exc:  # locked out, or the column not committed
            self.still_null.append(str(exc.orig))


@contextmanager
def _reading_during_backfill(url: str) -> Iterator[_ReaderDuringBackfill]:
    reader = _ReaderDuringBackfill(url)
    logger = logging.getLogger("flask_remodel.online")
    level = logger.level
    logger.addHandler(reader)
    logger.setLevel(logging.INFO)
    try:
        yield reader
    finally:
        logger.removeHandler(reader)
        logger.setLevel(level)


def test_a_new_required_column_is_backfilled_in_batches_then_made_not_null(
    make_app: AppFactory, database_url: str
) -> None:
    _start(make_app)
    made = _migrate_online(make_app, _plan(), "free")
    script = _in_batches_of(made, 500)
    assert "if_not_exists=True" in script
    assert (
        "op.backfill('member', {'plan': sa.literal('free', sa.String(length=20))}, "
        "where='plan IS NULL', batch_size=500, batch_time=None)"
    ) in script
    assert "op.set_not_null_online('member', 'plan'" in script
    assert "op.execute(" not in script  # no single UPDATE of every row

    with _reading_during_backfill(database_url) as reader:
        result = made.ok("upgrade")
    assert f"Backfill member: done, {ROWS:,} row(s) updated" in result.output
    # Another connection read the table after every batch: the ADD COLUMN was
    # committed before the first, no lock kept readers out, and each batch was
    # committed as it finished.
    assert reader.still_null == list(range(ROWS - 500, -1, -500)), reader.still_null
    assert table_rows(database_url, "member", "plan") == [("free",)] * ROWS
    assert _nullable(database_url, "member", "plan") is False
    made.ok("check")

    made.ok("downgrade")
    with engine_for(database_url) as engine:
        names = [c["name"] for c in sa.inspect(engine).get_columns("member")]
    assert names == ["id", "name"]
    assert len(table_rows(database_url, "member", "id")) == ROWS
    made.ok("upgrade")  # and forward again
    assert table_rows(database_url, "member", "plan") == [("free",)] * ROWS


def test_a_string_with_a_quote_is_written_and_filled_as_a_value(
    make_app: AppFactory, database_url: str
) -> None:
    _start(make_app)
    surname = sa.Column("surname", sa.String(40), nullable=False)
    made = _migrate_online(make_app, surname, "O'Brien")
    script = made.script("required").read_text()
    assert "{'surname': sa.literal(\"O'Brien\", sa.String(length=40))}" in script
    offline = made.ok("upgrade", "--sql").output  # one UPDATE, for a DBA to run
    assert "SET surname='O''Brien' WHERE surname IS NULL;" in offline
    made.ok("upgrade")
    assert table_rows(database_url, "member", "surname") == [("O'Brien",)] * ROWS
    assert _nullable(database_url, "member", "surname") is False
    made.ok("downgrade")
    made.ok("upgrade")
    assert table_rows(database_url, "member", "surname") == [("O'Brien",)] * ROWS


def test_a_run_that_stopped_after_the_add_column_carries_on(
    make_app: AppFactory, database_url: str
) -> None:
    _start(make_app)
    made = _migrate_online(make_app, _plan(), "free")
    # What a backfill that stopped part-way leaves: the column committed, some rows filled.
    execute(
        database_url,
        "ALTER TABLE member ADD COLUMN plan VARCHAR(20)",
        "UPDATE member SET plan = 'gold' WHERE id <= 100",
    )
    result = made.ok("upgrade")
    assert f"Backfill member: {ROWS - 100:,} row(s) to update" in result.output
    plans = [plan for _, plan in table_rows(database_url, "member", "id", "plan")]
    assert plans == ["gold"] * 100 + ["free"] * (ROWS - 100)
    assert _nullable(database_url, "member", "plan") is False
