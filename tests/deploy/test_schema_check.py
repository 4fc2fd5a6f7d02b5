"""Whether an in-flight DDL statement took effect, read from the schema (deploy/schema_check.py).

Each statement is checked before it ran (False), after (True), and a kind the
schema cannot tell (None): the ledger then says "uncertain" instead of guessing.
Only MariaDB/MySQL asks (elsewhere DDL is transactional), in the forms Alembic
sends there.
"""

from __future__ import annotations

import pytest

from flask_remodel.deploy.schema_check import took_effect
from support import engine_for
from support import execute

pytestmark = pytest.mark.backends("mariadb")

# (statement, what undoes it), quoted or not.
STATEMENTS = [
    ("ALTER TABLE item ADD COLUMN price INTEGER", "ALTER TABLE item DROP COLUMN price"),
    ("ALTER TABLE `item` ADD `Label` VARCHAR(20)", "ALTER TABLE `item` DROP COLUMN label"),
    ("CREATE INDEX ix_item_name ON item (name)", "DROP INDEX ix_item_name ON item"),
    ("CREATE UNIQUE INDEX `ux_item` ON `db`.`item` (name)", "DROP INDEX `ux_item` ON item"),
    ("CREATE TABLE note (id INTEGER PRIMARY KEY)", "DROP TABLE `note`"),
    ("RENAME TABLE item TO thing", "ALTER TABLE thing RENAME TO item"),
]


def test_ddl_is_told_from_the_schema(database_url: str) -> None:
    database = database_url.rsplit("/", 1)[1].split("?")[0]
    execute(database_url, "CREATE TABLE item (id INTEGER PRIMARY KEY, name VARCHAR(20))")
    with engine_for(database_url) as engine:
        for template, undo_template in STATEMENTS:
            statement = template.replace("`db`", f"`{database}`")
            undo = undo_template
            assert took_effect(engine, statement) is False, statement
            execute(database_url, statement)
            assert took_effect(engine, statement) is True, statement
            # The statement that undoes it, checked the other way round.
            assert took_effect(engine, undo) is False, undo
            execute(database_url, undo)
            assert took_effect(engine, undo) is True, undo
            assert took_effect(engine, statement) is False, statement
        for unknown in (
            "UPDATE item SET name = 'x'",
            "ALTER TABLE item MODIFY name VARCHAR(40)",
            "ALTER TABLE gone ADD COLUMN x INTEGER",  # its table is not there to ask
        ):
            assert took_effect(engine, unknown) is None, unknown
