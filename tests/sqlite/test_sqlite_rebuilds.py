"""Operations SQLite's ALTER TABLE lacks, written without batch mode, rebuild the table."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations
from alembic.operations import ops

from flask_remodel._alembic import registered_implementation
from flask_remodel._alembic import replace_implementation
from flask_remodel.sqlite import SQLiteRebuildError
from flask_remodel.sqlite import install_sqlite_rebuilds
from flask_remodel.sqlite import rebuild
from flask_remodel.sqlite.rebuild import REBUILT_OPERATIONS
from sqlite.helpers import StatementLog
from sqlite.helpers import migrate
from sqlite.helpers import migrate_logged
from sqlite.helpers import migrate_safely
from sqlite.helpers import rows
from sqlite.helpers import setup

ITEMS = [
    "CREATE TABLE owner (id INTEGER PRIMARY KEY)",
    "CREATE TABLE item (id INTEGER PRIMARY KEY, name VARCHAR(20), owner_id INTEGER,"
    " qty INTEGER, CONSTRAINT uq_item_name UNIQUE (name))",
    "INSERT INTO owner (id) VALUES (1), (2)",
    "INSERT INTO item (id, name, owner_id, qty) VALUES (1, 'a', 1, 5), (2, 'b', 2, 7)",
]
ITEM_ROWS = [(1, "a", 1, 5), (2, "b", 2, 7)]

Inspect = Callable[[sa.engine.reflection.Inspector], bool]


def _column(inspector: sa.engine.reflection.Inspector, name: str) -> dict[str, Any]:
    return next(dict(c) for c in inspector.get_columns("item") if c["name"] == name)


CASES: dict[str, tuple[Callable[[Operations], None], Inspect]] = {
    "not null": (
        lambda op: op.alter_column("item", "name", existing_type=sa.String(20), nullable=False),
        lambda i: _column(i, "name")["nullable"] is False,
    ),
    "type": (
        lambda op: op.alter_column(
            "item", "name", existing_type=sa.String(20), type_=sa.String(40)
        ),
        lambda i: _column(i, "name")["type"].length == 40,
    ),
    "not null, default and comment at once": (
        lambda op: op.alter_column(
            "item",
            "qty",
            existing_type=sa.Integer,
            nullable=False,
            server_default="0",
            comment="how many",
        ),
        lambda i: (
            _column(i, "qty")["nullable"] is False and "0" in str(_column(i, "qty")["default"])
        ),
    ),
    "unique": (
        lambda op: op.create_unique_constraint("uq_item_qty", "item", ["qty"]),
        lambda i: "uq_item_qty" in {u["name"] for u in i.get_unique_constraints("item")},
    ),
    "foreign key": (
        lambda op: op.create_foreign_key("fk_item_owner", "item", "owner", ["owner_id"], ["id"]),
        lambda i: "fk_item_owner" in {f["name"] for f in i.get_foreign_keys("item")},
    ),
    "check": (
        lambda op: op.create_check_constraint("ck_item_qty", "item", "qty > 0"),
        lambda i: "ck_item_qty" in {c["name"] for c in i.get_check_constraints("item")},
    ),
    "drop unique": (
        lambda op: op.drop_constraint("uq_item_name", "item", type_="unique"),
        lambda i: "uq_item_name" not in {u["name"] for u in i.get_unique_constraints("item")},
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_plain_operation_rebuilds_the_table_and_keeps_its_rows(
    engine: sa.engine.Engine, statement_log: StatementLog, case: str
) -> None:
    steps, changed = CASES[case]
    setup(engine, ITEMS)
    migrate_logged(engine, steps, statement_log)
    assert statement_log.rebuilt
    assert changed(sa.inspect(engine))
    assert rows(engine, "SELECT id, name, owner_id, qty FROM item ORDER BY id") == ITEM_ROWS


def test_the_new_constraints_are_enforced(engine: sa.engine.Engine) -> None:
    setup(engine, ITEMS)

    def constrain(op: Operations) -> None:
        op.create_check_constraint("ck_item_qty", "item", "qty > 0")
        op.create_foreign_key("fk_item_owner", "item", "owner", ["owner_id"], ["id"])

    migrate_safely(engine, constrain)
    for bad in ("UPDATE item SET qty = 0", "UPDATE item SET owner_id = 3"):
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
            connection.exec_driver_sql(bad)


def test_a_primary_key_can_be_added(plain_engine: sa.engine.Engine) -> None:
    setup(
        plain_engine,
        ["CREATE TABLE tag (code VARCHAR(5) NOT NULL)", "INSERT INTO tag VALUES ('x')"],
    )
    migrate_safely(plain_engine, lambda op: op.create_primary_key("pk_tag", "tag", ["code"]))
    assert sa.inspect(plain_engine).get_pk_constraint("tag")["constrained_columns"] == ["code"]
    assert rows(plain_engine, "SELECT code FROM tag") == [("x",)]


def test_a_plain_column_rename_stays_a_native_alter(
    engine: sa.engine.Engine, statement_log: StatementLog
) -> None:
    setup(engine, ITEMS)
    migrate_logged(
        engine, lambda op: op.alter_column("item", "qty", new_column_name="amount"), statement_log
    )
    assert not statement_log.rebuilt
    assert statement_log.mentions("RENAME COLUMN")
    assert "amount" in {c["name"] for c in sa.inspect(engine).get_columns("item")}


def test_inside_a_batch_block_the_batch_does_the_work(
    engine: sa.engine.Engine, statement_log: StatementLog
) -> None:
    setup(engine, ITEMS)

    def in_batch(op: Operations) -> None:
        with op.batch_alter_table("item") as batch:
            batch.alter_column("name", existing_type=sa.String(20), nullable=False)
            batch.create_check_constraint("ck_item_qty", "qty > 0")

    migrate_logged(engine, in_batch, statement_log)
    # One rebuild for the whole block, not one per operation.
    creates = [s for s in statement_log.statements if "CREATE TABLE _alembic_tmp_" in s]
    assert len(creates) == 1


def test_dropping_an_unnamed_constraint_says_what_to_do(engine: sa.engine.Engine) -> None:
    setup(engine, ITEMS)
    with pytest.raises(SQLiteRebuildError, match="naming convention"):
        migrate_safely(engine, lambda op: op.drop_constraint(None, "item", type_="foreignkey"))  # type: ignore[arg-type]


UNNAMED_CREATES: dict[str, tuple[Callable[[Operations], None], str]] = {
    "foreign key": (
        lambda op: op.create_foreign_key(None, "item", "owner", ["owner_id"], ["id"]),
        'op.create_foreign_key("fk_item_owner_id_owner", "item", "owner", ["owner_id"], ["id"])',
    ),
    "unique": (
        lambda op: op.create_unique_constraint(None, "item", ["qty"]),
        'op.create_unique_constraint("uq_item_qty", "item", ["qty"])',
    ),
    "unique on two columns": (
        lambda op: op.create_unique_constraint(None, "item", ["name", "qty"]),
        'op.create_unique_constraint("uq_item_name_qty", "item", ["name", "qty"])',
    ),
}


@pytest.mark.parametrize("case", list(UNNAMED_CREATES))
def test_creating_an_unnamed_constraint_says_to_name_it(
    engine: sa.engine.Engine, case: str
) -> None:
    steps, named = UNNAMED_CREATES[case]
    setup(engine, ITEMS)
    with pytest.raises(SQLiteRebuildError) as caught:
        migrate_safely(engine, steps)
    message = str(caught.value)
    assert "unnamed constraint to table 'item'" in message
    assert named in message
    assert "look it up" not in message  # the advice for a drop, which fits no create
    assert rows(engine, "SELECT count(*) FROM item") == [(2,)]


def test_dropping_a_constraint_that_is_not_there_says_what_to_do(
    engine: sa.engine.Engine,
) -> None:
    setup(engine, ITEMS)
    with pytest.raises(SQLiteRebuildError, match="No such constraint: 'uq_missing'") as raised:
        migrate_safely(engine, lambda op: op.drop_constraint("uq_missing", "item", type_="unique"))
    assert str(raised.value).startswith("Cannot change table 'item': ")
    assert str(raised.value).endswith(
        ". On SQLite a constraint has a name only if it was created with one: look it up in "
        "the table's CREATE TABLE statement (SELECT sql FROM sqlite_master) and use that name."
    )
    assert rows(engine, "SELECT count(*) FROM item") == [(2,)]


def _offline(steps: Callable[[Operations], None]) -> str:
    buffer = io.StringIO()
    context = MigrationContext.configure(
        dialect_name="sqlite", opts={"as_sql": True, "output_buffer": buffer}
    )
    steps(Operations(context))
    return buffer.getvalue()


def test_offline_a_rebuild_is_refused_naming_batch_copy_from() -> None:
    with pytest.raises(SQLiteRebuildError, match=r"batch_alter_table\(\"item\", copy_from="):
        _offline(lambda op: op.alter_column("item", "name", nullable=False))


def test_offline_a_rename_is_still_written() -> None:
    sql = _offline(lambda op: op.alter_column("item", "qty", new_column_name="amount"))
    assert "RENAME COLUMN qty TO amount" in sql


def test_offline_a_batch_with_copy_from_still_works() -> None:
    table = sa.Table(
        "item",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(20)),
    )

    def in_batch(op: Operations) -> None:
        with op.batch_alter_table("item", copy_from=table) as batch:
            batch.alter_column("name", nullable=False)

    assert "CREATE TABLE _alembic_tmp_item" in _offline(in_batch)


def test_installing_again_keeps_one_rebuilding_layer(plain_engine: sa.engine.Engine) -> None:
    before = {op: registered_implementation(op) for op in REBUILT_OPERATIONS}
    install_sqlite_rebuilds()
    install_sqlite_rebuilds()
    assert {op: registered_implementation(op) for op in REBUILT_OPERATIONS} == before
    assert all(fn.__module__ == "flask_remodel.sqlite.rebuild" for fn in before.values())
    setup(plain_engine, ITEMS)
    migrate_safely(plain_engine, CASES["not null"][0])  # no recursion, one rebuild
    assert _column(sa.inspect(plain_engine), "name")["nullable"] is False


def test_what_was_registered_before_still_runs_elsewhere() -> None:
    """The rebuilding layer wraps whatever implementation it found, not Alembic's by name."""
    calls: list[str] = []
    original = registered_implementation(ops.CreateCheckConstraintOp)

    def another_extension(operations: Operations, operation: Any) -> None:
        calls.append(operation.constraint_name)

    replace_implementation(ops.CreateCheckConstraintOp, another_extension)
    try:
        install_sqlite_rebuilds()
        _offline_postgresql(lambda op: op.create_check_constraint("ck_x", "item", "qty > 0"))
        assert calls == ["ck_x"]
    finally:
        replace_implementation(ops.CreateCheckConstraintOp, original)
        rebuild._ours[ops.CreateCheckConstraintOp] = original


def _offline_postgresql(steps: Callable[[Operations], None]) -> None:
    context = MigrationContext.configure(
        dialect_name="postgresql", opts={"as_sql": True, "output_buffer": io.StringIO()}
    )
    steps(Operations(context))


def test_a_rebuild_that_fails_later_in_the_migration_is_undone(
    plain_engine: sa.engine.Engine,
) -> None:
    setup(plain_engine, ITEMS)

    def check_then_fail(op: Operations) -> None:
        op.create_check_constraint("ck_item_qty", "item", "qty > 0")
        op.drop_constraint("uq_missing", "item", type_="unique")

    with pytest.raises(SQLiteRebuildError):
        migrate_safely(plain_engine, check_then_fail)
    checks = sa.inspect(plain_engine).get_check_constraints("item")
    assert "ck_item_qty" not in {c["name"] for c in checks}


_NAME_IT = (
    "Cannot add an unnamed constraint to table '{table}': SQLite adds a constraint only by "
    "rebuilding the table, and the rebuild needs the constraint's name (so will any later "
    "migration that drops it). Name it in the migration, for example {call}"
)
_AS_MIGRATE_NAMES_IT = ": the name 'flask db migrate' writes for such a constraint."

REFUSALS: dict[str, tuple[Callable[[Operations], None], str]] = {
    "check as text": (
        lambda op: op.create_check_constraint(None, "item", "qty > 0"),
        _NAME_IT.format(
            table="item",
            call='op.create_check_constraint("ck_item_128a1b93", "item", "qty > 0")',
        ) + _AS_MIGRATE_NAMES_IT,
    ),
    "check as sa.text": (
        lambda op: op.create_check_constraint(None, "item", sa.text("qty > 1")),
        _NAME_IT.format(
            table="item",
            call='op.create_check_constraint("ck_item_6a546dcd", "item", "qty > 1")',
        ) + _AS_MIGRATE_NAMES_IT,
    ),
    "check as an expression": (  # no text to show: the call says where it goes
        lambda op: op.create_check_constraint(None, "item", sa.column("qty") > 2),
        _NAME_IT.format(
            table="item",
            call='op.create_check_constraint("ck_item_bc236d03", "item", "...")',
        ) + _AS_MIGRATE_NAMES_IT,
    ),
    "primary key": (  # its name is no convention of migrate's
        lambda op: op.create_primary_key(None, "tag", ["code"]),  # type: ignore[arg-type]
        _NAME_IT.format(table="tag", call='op.create_primary_key("pk_tag", "tag", ["code"]).'),
    ),
    "unnamed drop": (
        lambda op: op.drop_constraint(None, "item", type_="unique"),  # type: ignore[arg-type]
        "Cannot drop an unnamed constraint of table 'item': SQLite only finds a constraint "
        "by name. Give it a name in the model (or a naming convention on the MetaData) and "
        "in the migration.",
    ),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_each_refusal_says_what_to_write_instead(engine: sa.engine.Engine, case: str) -> None:
    steps, message = REFUSALS[case]
    setup(engine, [*ITEMS, "CREATE TABLE tag (code VARCHAR(5) NOT NULL)"])
    with pytest.raises(SQLiteRebuildError) as raised:
        migrate_safely(engine, steps)
    assert str(raised.value) == message


def test_a_rebuild_with_foreign_keys_enforced_outside_the_session_is_refused(
    engine: sa.engine.Engine,
) -> None:
    setup(engine, ITEMS)
    with engine.connect() as connection, pytest.raises(SQLiteRebuildError) as raised:
        migrate(
            connection,
            lambda op: op.alter_column(
                "item", "name", existing_type=sa.String(20), nullable=False
            ),
        )
    assert str(raised.value) == (
        "Rebuilding table 'item' with foreign keys enforced would delete or empty the rows "
        "that refer to it. Run migrations through Flask-Remodel's env.py (it switches "
        "foreign keys off around each revision): replace migrations/env.py with the one "
        "'flask db init' writes."
    )


def test_offline_the_refusal_says_how_to_write_the_batch() -> None:
    with pytest.raises(SQLiteRebuildError) as raised:
        _offline(lambda op: op.alter_column("item", "name", nullable=False))
    assert str(raised.value) == (
        "This migration changes table 'item' in a way SQLite can only do by rebuilding the "
        "table, and with --sql there is no database to read the table's definition from. "
        "Write the change as 'with op.batch_alter_table(\"item\", copy_from=<sa.Table as it "
        "is at this revision>) as batch_op:' in the migration, or run it without --sql."
    )
