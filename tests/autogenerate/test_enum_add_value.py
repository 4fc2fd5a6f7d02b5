"""A PostgreSQL enum type that only gains values is migrated with ``ALTER TYPE ... ADD VALUE``.

No table is rewritten, the statements run in an autocommit block (so the
new value is usable at once, and a rerun after a failure passes over them
with IF NOT EXISTS), and the downgrade swaps the type back to the old
values, failing with PostgreSQL's own message while a row holds a new one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from flask_remodel.autogenerate.enums import only_gained
from flask_remodel.autogenerate.operations import AddEnumValuesOp
from flask_remodel.autogenerate.operations import RecreateEnumOp
from support import AppFactory
from support import MadeApp
from support import execute
from support import insert_rows
from support import rows
from support import table_rows

from .harness import col
from .harness import pk

pytestmark = pytest.mark.backends("postgresql")

ROWS = [{"id": 1, "username": "ada", "mood": "happy"},
        {"id": 2, "username": "grace", "mood": "sad"}]


def moods(*values: str, name: str = "mood", schema: str | None = None) -> Callable[[Any], None]:
    def define(db: Any) -> None:
        db.Table("user", pk(), col("username"),
                 sa.Column("mood", sa.Enum(*values, name=name, schema=schema)))

    return define


def labels(url: str, name: str = "mood", schema: str = "public") -> tuple[str, ...]:
    """The values of enum type *schema.name*, in the type's order."""
    found = rows(
        url,
        "SELECT e.enumlabel FROM pg_enum e JOIN pg_type t ON e.enumtypid = t.oid "
        "JOIN pg_namespace n ON t.typnamespace = n.oid "
        "WHERE t.typname = :name AND n.nspname = :schema ORDER BY e.enumsortorder",
        name=name, schema=schema,
    )
    return tuple(label for (label,) in found)


def table_file(url: str) -> int:
    """The file that holds table ``user``'s rows: a rewrite gives it a new one."""
    [(node,)] = rows(url, "SELECT relfilenode FROM pg_class WHERE oid = '\"user\"'::regclass")
    return int(node)


def revision(made: MadeApp) -> str:
    return made.ok("current").output.split()[0]


def migrated(make_app: AppFactory, url: str, old: tuple[str, ...], new: tuple[str, ...],
             **enum: Any) -> tuple[MadeApp, str]:
    """Old models migrated and upgraded with rows in; new models migrated, not yet upgraded.

    :return: the new app and the text of its migration.
    """
    first = make_app(moods(*old, **enum))
    first.ok("init")
    first.ok("migrate", "-m", "old schema", "--no-input")
    first.ok("upgrade")
    insert_rows(url, "user", *ROWS)
    second = make_app(moods(*new, **enum))
    second.ok("migrate", "-m", "change", "--no-input")
    return second, second.script("change").read_text()


def upgrade_function(script: str) -> str:
    return script[script.index("def upgrade"):script.index("def downgrade")]


@pytest.mark.parametrize(("old", "new", "gained"), [
    (("a", "b"), ("a", "b", "c"), True),
    (("a", "b"), ("x", "a", "y", "b", "z"), True),
    ((), ("a",), True),
    (("a", "b"), ("a", "b"), False),  # nothing added
    (("a", "b"), ("b", "a", "c"), False),  # old values in another order
    (("a", "b"), ("a", "c"), False),  # one removed (or renamed)
    (("a", "b"), ("a", "c", "d"), False),
])
def test_only_a_type_that_keeps_its_values_in_order_gains_in_place(
    old: tuple[str, ...], new: tuple[str, ...], gained: bool
) -> None:
    assert only_gained(old, new) is gained


def test_each_value_goes_next_to_one_already_in_the_type() -> None:
    op = AddEnumValuesOp("mood", ("happy", "sad"), ("glad", "calm", "happy", "sad", "fine"), ())
    assert op.positions() == [
        ("glad", "BEFORE", "happy"), ("calm", "AFTER", "glad"), ("fine", "AFTER", "sad")]
    empty = AddEnumValuesOp("mood", (), ("a", "b"), ())
    assert empty.positions() == [("a", None, None), ("b", "AFTER", "a")]
    back = op.reverse()
    assert isinstance(back, RecreateEnumOp)
    assert (back.old_values, back.new_values) == (op.new_values, op.old_values)
    assert back.removed == ["glad", "calm", "fine"]


def test_an_added_value_is_added_in_place_and_usable_at_once(
    make_app: AppFactory, database_url: str
) -> None:
    made, script = migrated(make_app, database_url, ("happy", "sad"), ("happy", "sad", "calm"))
    upgrade = upgrade_function(script)
    assert "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'calm' AFTER 'sad'" in upgrade
    assert "autocommit_block()" in upgrade
    assert "RENAME TO" not in upgrade and "ALTER TABLE" not in upgrade
    before = table_file(database_url)

    made.ok("upgrade")

    assert table_file(database_url) == before  # no row was rewritten
    assert labels(database_url) == ("happy", "sad", "calm")
    insert_rows(database_url, "user", {"id": 3, "username": "ida", "mood": "calm"})
    assert table_rows(database_url, "user", "id", "mood") == [
        (1, "happy"), (2, "sad"), (3, "calm")]
    made.ok("check")


def test_an_upgrade_that_failed_after_adding_the_value_runs_again(
    make_app: AppFactory, database_url: str
) -> None:
    made, _ = migrated(make_app, database_url, ("happy", "sad"), ("happy", "sad", "calm"))
    path = made.script("change")
    good = path.read_text()
    # A later step of the same revision fails: the value, added outside the
    # transaction, stays; the revision is not recorded.
    path.write_text(good.replace(
        "    # ### end Alembic commands ###",
        "    op.execute('SELECT * FROM no_such_table')\n    # ### end Alembic commands ###", 1,
    ))
    old_revision = revision(made)
    assert made.cli("upgrade").exit_code != 0
    assert labels(database_url) == ("happy", "sad", "calm")
    assert revision(made) == old_revision

    path.write_text(good)
    made.ok("upgrade")  # IF NOT EXISTS: the value already there is passed over
    assert labels(database_url) == ("happy", "sad", "calm")
    assert revision(made) != old_revision


def test_the_downgrade_swaps_the_type_back_when_no_row_holds_the_value(
    make_app: AppFactory, database_url: str
) -> None:
    made, script = migrated(make_app, database_url, ("happy", "sad"), ("happy", "sad", "calm"))
    assert "# DATA LOSS: enum mood loses values calm" in script[script.index("def downgrade"):]
    made.ok("upgrade")
    insert_rows(database_url, "user", {"id": 3, "username": "ida", "mood": "calm"})
    execute(database_url, "DELETE FROM \"user\" WHERE id = 3")

    made.ok("downgrade")

    assert labels(database_url) == ("happy", "sad")
    assert table_rows(database_url, "user", "id", "mood") == [(1, "happy"), (2, "sad")]
    made.ok("upgrade")
    assert labels(database_url) == ("happy", "sad", "calm")


def test_the_downgrade_fails_clearly_while_a_row_holds_the_value(
    make_app: AppFactory, database_url: str
) -> None:
    made, _ = migrated(make_app, database_url, ("happy", "sad"), ("happy", "sad", "calm"))
    made.ok("upgrade")
    head = revision(made)
    insert_rows(database_url, "user", {"id": 3, "username": "ida", "mood": "calm"})

    result = made.cli("downgrade")

    assert result.exit_code != 0
    assert 'invalid input value for enum mood: "calm"' in result.output, result.output
    # The swap ran in the downgrade's transaction: nothing of it stays.
    assert labels(database_url) == ("happy", "sad", "calm")
    assert rows(database_url, "SELECT typname FROM pg_type WHERE typname = 'mood_old'") == []
    assert table_rows(database_url, "user", "id", "mood") == [
        (1, "happy"), (2, "sad"), (3, "calm")]
    assert revision(made) == head


def test_values_added_before_between_and_after_the_others_round_trip(
    make_app: AppFactory, database_url: str
) -> None:
    new = ("glad", "happy", "calm", "sad", "fine")
    made, script = migrated(make_app, database_url, ("happy", "sad"), new)
    statements = re.findall(r"ADD VALUE IF NOT EXISTS [^\"]*", upgrade_function(script))
    assert statements == [
        "ADD VALUE IF NOT EXISTS 'glad' BEFORE 'happy'",
        "ADD VALUE IF NOT EXISTS 'calm' AFTER 'happy'",
        "ADD VALUE IF NOT EXISTS 'fine' AFTER 'sad'",
    ]

    made.ok("upgrade")
    assert labels(database_url) == new  # the models' order, not appended
    insert_rows(database_url, "user", {"id": 3, "username": "ida", "mood": "calm"})
    assert rows(database_url, "SELECT id FROM \"user\" ORDER BY mood, id") == [(1,), (3,), (2,)]
    execute(database_url, "DELETE FROM \"user\" WHERE id = 3")

    made.ok("downgrade")
    assert labels(database_url) == ("happy", "sad")
    assert table_rows(database_url, "user", "id", "mood") == [(1, "happy"), (2, "sad")]
    made.ok("upgrade")
    assert labels(database_url) == new
    made.ok("check")


def test_upgrade_sql_prints_the_statement_outside_the_transaction(
    make_app: AppFactory, database_url: str
) -> None:
    made, _ = migrated(make_app, database_url, ("happy", "sad"), ("happy", "sad", "calm"))
    start = revision(made)

    sql = made.ok("upgrade", "--sql", f"{start}:head").output

    statement = "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'calm' AFTER 'sad';"
    assert statement in sql, sql
    before, after = sql.split(statement)
    assert before.rstrip().endswith("COMMIT;") and after.lstrip().startswith("BEGIN;"), sql
    assert labels(database_url) == ("happy", "sad")  # --sql ran nothing


def test_quotes_colons_and_a_schema_reach_postgresql_as_written(
    make_app: AppFactory, database_url: str
) -> None:
    execute(database_url, "CREATE SCHEMA app")
    old = ("happy", "it's", "sad")
    new = ("happy", ":x", "it's", "sad", "a::b", "o'k")
    enum = {"name": "Mood Type", "schema": "app"}
    made, script = migrated(make_app, database_url, old, new, **enum)
    assert "ALTER TYPE app.\"Mood Type\" ADD VALUE" in upgrade_function(script)

    made.ok("upgrade")
    assert labels(database_url, "Mood Type", "app") == new
    insert_rows(database_url, "user", {"id": 3, "username": "ida", "mood": "o'k"},
                {"id": 4, "username": "lin", "mood": ":x"})
    made.ok("check")
    execute(database_url, "DELETE FROM \"user\" WHERE id IN (3, 4)")

    made.ok("downgrade")
    assert labels(database_url, "Mood Type", "app") == old
    made.ok("upgrade")
    assert labels(database_url, "Mood Type", "app") == new


def test_flask_db_test_passes_the_revision(make_app: AppFactory, database_url: str) -> None:
    # Upgrade, data kept, up/down/up and models match, on a scratch database.
    made, _ = migrated(make_app, database_url, ("happy", "sad"), ("happy", "calm", "sad"))
    output = made.ok("test").output
    assert "8 passed, 0 failed" in output, output
