"""On PostgreSQL and MariaDB the same plain operations stay Alembic's plain ALTERs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic.operations import Operations

from sqlite.helpers import StatementLog
from sqlite.helpers import migrate_logged
from sqlite.helpers import rows
from sqlite.helpers import setup

pytestmark = pytest.mark.backends("postgresql", "mariadb")


@pytest.fixture
def server_engine(database_url: str) -> Iterator[sa.engine.Engine]:
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    setup(
        engine,
        [
            "CREATE TABLE owner (id INTEGER PRIMARY KEY)",
            "CREATE TABLE item (id INTEGER PRIMARY KEY, name VARCHAR(20),"
            " owner_id INTEGER, qty INTEGER)",
            "INSERT INTO owner (id) VALUES (1)",
            "INSERT INTO item (id, name, owner_id, qty) VALUES (1, 'a', 1, 5)",
        ],
    )
    yield engine
    engine.dispose()


def _hand_written(op: Operations) -> None:
    op.alter_column("item", "name", existing_type=sa.String(20), nullable=False)
    # MySQL's MODIFY restates the column: without existing_nullable it becomes NULL.
    op.alter_column(
        "item", "name", existing_type=sa.String(20), type_=sa.String(40), existing_nullable=False
    )
    op.create_unique_constraint("uq_item_name", "item", ["name"])
    op.create_foreign_key("fk_item_owner", "item", "owner", ["owner_id"], ["id"])
    op.create_check_constraint("ck_item_qty", "item", "qty > 0")
    op.drop_constraint("uq_item_name", "item", type_="unique")


def test_plain_operations_are_not_rebuilt(
    server_engine: sa.engine.Engine, statement_log: StatementLog
) -> None:
    migrate_logged(server_engine, _hand_written, statement_log)
    assert not statement_log.rebuilt
    assert statement_log.mentions("ALTER TABLE item")
    inspector = sa.inspect(server_engine)
    name = next(c for c in inspector.get_columns("item") if c["name"] == "name")
    assert name["nullable"] is False and getattr(name["type"], "length", None) == 40
    assert "fk_item_owner" in {f["name"] for f in inspector.get_foreign_keys("item")}
    assert rows(server_engine, "SELECT id, name FROM item") == [(1, "a")]
