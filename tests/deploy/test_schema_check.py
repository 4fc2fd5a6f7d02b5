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
            "ALTER TABLE item MODIFY missing VARCHAR(40)",  # no such column to ask
            "ALTER TABLE gone ADD COLUMN x INTEGER",  # its table is not there to ask
        ):
            assert took_effect(engine, unknown) is None, unknown


# A column's type change (op.alter_column_type_online, perhaps run by pt-online-schema-change):
# (the ALTER, and the same ALTER said another way), each told before and after.
MODIFIES = [
    ("ALTER TABLE item MODIFY n BIGINT NOT NULL",
     "ALTER TABLE `db`.`item` MODIFY `n` bigint NOT NULL /* through pt-online-schema-change */"),
    ("ALTER TABLE item MODIFY COLUMN name VARCHAR(100) CHARACTER SET utf8mb4 NULL",
     "ALTER TABLE `item` MODIFY `name` varchar(100) DEFAULT NULL"),
]


def test_a_column_type_change_is_told_from_the_schema(database_url: str) -> None:
    database = database_url.rsplit("/", 1)[1].split("?")[0]
    execute(database_url, "CREATE TABLE item (id INTEGER PRIMARY KEY, n INT NOT NULL,"
            " name VARCHAR(20))")
    with engine_for(database_url) as engine:
        for statement, alike in MODIFIES:
            alike = alike.replace("`db`", f"`{database}`")
            assert took_effect(engine, statement) is False, statement
            assert took_effect(engine, alike) is False, alike
            execute(database_url, statement)
            assert took_effect(engine, statement) is True, statement
            assert took_effect(engine, alike) is True, alike
        # The type is there but not the NOT NULL it asks for: not this statement.
        assert took_effect(engine, "ALTER TABLE item MODIFY name VARCHAR(100) NOT NULL") is False
