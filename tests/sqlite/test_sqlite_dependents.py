"""Triggers and views around a rebuilt table keep working, or the migration stops."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.operations import Operations

from flask_remodel.sqlite import SQLiteRebuildError
from sqlite.helpers import migrate_safely
from sqlite.helpers import rows
from sqlite.helpers import setup

NOTES = [
    "CREATE TABLE note (id INTEGER PRIMARY KEY, body VARCHAR(20), stars INTEGER)",
    "CREATE TABLE audit (what VARCHAR(40))",
    "INSERT INTO note (id, body, stars) VALUES (1, 'hello', 3)",
]
LOG_INSERTS = (
    "CREATE TRIGGER note_logged AFTER INSERT ON note "
    "BEGIN INSERT INTO audit (what) VALUES ('new ' || NEW.body); END"
)


def _triggers(engine: sa.engine.Engine) -> list[tuple[str, str]]:
    return [
        (str(name), str(table))
        for name, table in rows(
            engine, "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'"
        )
    ]


def _require_body(op: Operations) -> None:
    op.alter_column("note", "body", existing_type=sa.String(20), nullable=False)


def _rename_body_and_retype(op: Operations) -> None:
    # A rename together with another change: a rebuild, not a native RENAME COLUMN.
    op.alter_column(
        "note", "body", new_column_name="text", existing_type=sa.String(20), type_=sa.Text
    )


def test_the_tables_triggers_survive_a_rebuild(engine: sa.engine.Engine) -> None:
    setup(engine, [*NOTES, LOG_INSERTS])
    migrate_safely(engine, _require_body)
    assert _triggers(engine) == [("note_logged", "note")]
    with engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO note (id, body) VALUES (2, 'again')")
    assert rows(engine, "SELECT what FROM audit") == [("new again",)]


def test_a_trigger_naming_a_column_that_is_gone_stops_the_migration(
    engine: sa.engine.Engine,
) -> None:
    setup(engine, [*NOTES, LOG_INSERTS])
    with pytest.raises(SQLiteRebuildError, match=r"trigger .note_logged.*NEW\.body"):
        migrate_safely(engine, _rename_body_and_retype)
    # Rolled back: the column, the rows and the trigger are as they were.
    assert "body" in {c["name"] for c in sa.inspect(engine).get_columns("note")}
    assert rows(engine, "SELECT id, body FROM note") == [(1, "hello")]
    assert _triggers(engine) == [("note_logged", "note")]


def test_an_update_of_trigger_on_a_column_that_is_gone_stops_the_migration(
    engine: sa.engine.Engine,
) -> None:
    # SQLite accepts such a trigger and then never fires it.
    on_update = (
        "CREATE TRIGGER body_changed AFTER UPDATE OF body ON note "
        "BEGIN INSERT INTO audit (what) VALUES ('changed'); END"
    )
    setup(engine, [*NOTES, on_update])
    with pytest.raises(SQLiteRebuildError) as raised:
        migrate_safely(engine, _rename_body_and_retype)
    assert str(raised.value).startswith(
        "The trigger 'body_changed' no longer fits table 'note' after the table was "
        "rebuilt (no such column: body). Drop"
    )


def test_a_view_over_the_table_survives_a_rebuild(engine: sa.engine.Engine) -> None:
    """Without help, SQLite refuses the rebuild's final RENAME while a view names the table."""
    setup(engine, [*NOTES, "CREATE VIEW starred AS SELECT body FROM note WHERE stars > 2"])
    migrate_safely(engine, _require_body)
    assert rows(engine, "SELECT body FROM starred") == [("hello",)]


def test_a_view_naming_a_column_that_is_gone_stops_the_migration(
    engine: sa.engine.Engine,
) -> None:
    setup(engine, [*NOTES, "CREATE VIEW starred AS SELECT body FROM note WHERE stars > 2"])
    with pytest.raises(SQLiteRebuildError, match="view 'starred'"):
        migrate_safely(engine, _rename_body_and_retype)
    assert rows(engine, "SELECT body FROM starred") == [("hello",)]


def test_another_tables_trigger_naming_a_column_that_is_gone_stops_the_migration(
    engine: sa.engine.Engine,
) -> None:
    copy_on_audit = (
        "CREATE TRIGGER copy_note AFTER INSERT ON audit "
        "BEGIN UPDATE note SET body = NEW.what WHERE id = 1; END"
    )
    setup(engine, [*NOTES, copy_on_audit])
    with pytest.raises(SQLiteRebuildError, match="trigger 'copy_note' no longer fits table 'note'"):
        migrate_safely(engine, _rename_body_and_retype)


def test_a_trigger_named_like_the_table_is_checked_too(engine: sa.engine.Engine) -> None:
    # Triggers and tables may share a name in SQLite.
    named_note = (
        "CREATE TRIGGER note AFTER INSERT ON audit "
        "BEGIN UPDATE note SET body = NEW.what WHERE id = 1; END"
    )
    setup(engine, [*NOTES, named_note])
    with pytest.raises(SQLiteRebuildError, match="trigger 'note' no longer fits table 'note'"):
        migrate_safely(engine, _rename_body_and_retype)


def test_other_tables_triggers_that_do_not_name_the_table_are_left_alone(
    engine: sa.engine.Engine,
) -> None:
    audit_only = (
        "CREATE TRIGGER audit_twice AFTER INSERT ON audit "
        "BEGIN INSERT INTO audit (what) SELECT 'again' WHERE NEW.what <> 'again'; END"
    )
    setup(engine, [*NOTES, audit_only])
    migrate_safely(engine, _rename_body_and_retype)
    assert _triggers(engine) == [("audit_twice", "audit")]


def test_a_trigger_the_migration_rewrites_first_is_fine(engine: sa.engine.Engine) -> None:
    setup(engine, [*NOTES, LOG_INSERTS])

    def rewrite_then_rename(op: Operations) -> None:
        op.execute("DROP TRIGGER note_logged")
        _rename_body_and_retype(op)
        op.execute(LOG_INSERTS.replace("NEW.body", "NEW.text"))

    migrate_safely(engine, rewrite_then_rename)
    with engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO note (id, text) VALUES (2, 'again')")
    assert rows(engine, "SELECT what FROM audit") == [("new again",)]


def test_the_message_names_the_object_the_table_and_what_to_do(
    engine: sa.engine.Engine,
) -> None:
    setup(engine, [*NOTES, LOG_INSERTS])
    with pytest.raises(SQLiteRebuildError) as raised:
        migrate_safely(engine, _rename_body_and_retype)
    message = str(raised.value)
    assert message.startswith(
        "The trigger 'note_logged' no longer fits table 'note' after the table was rebuilt ("
    )
    # The driver's own words, without SQLAlchemy's wrapping or the statement.
    assert "after the table was rebuilt (no such column: NEW.body). Drop" in message
    assert message.endswith(
        "Drop or rewrite the trigger in the migration, before the operation that changes 'note'."
    )


def test_an_update_of_trigger_on_kept_columns_is_fine_whatever_their_quoting(
    engine: sa.engine.Engine,
) -> None:
    on_update = (
        'CREATE TRIGGER stars_changed AFTER UPDATE OF "Stars", [id],body ON note '
        "BEGIN INSERT INTO audit (what) VALUES ('changed'); END"
    )
    setup(engine, [*NOTES, on_update])
    migrate_safely(engine, _require_body)
    assert _triggers(engine) == [("stars_changed", "note")]
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE note SET stars = 4 WHERE id = 1")
    assert rows(engine, "SELECT what FROM audit") == [("changed",)]


def test_a_table_in_an_attached_database_keeps_its_trigger_and_is_checked(
    tmp_path: Path,
) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'main.db'}")

    @sa.event.listens_for(engine, "connect")
    def attach(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.execute(f"ATTACH DATABASE '{tmp_path / 'other.db'}' AS other")

    in_other = [
        statement.replace("TABLE note", "TABLE other.note")
        .replace("TABLE audit", "TABLE other.audit")
        .replace("INTO note", "INTO other.note")
        for statement in NOTES
    ]
    setup(
        engine, [*in_other, LOG_INSERTS.replace("TRIGGER note_logged", "TRIGGER other.note_logged")]
    )

    def require_body(op: Operations) -> None:
        op.alter_column("note", "body", existing_type=sa.String(20), nullable=False, schema="other")

    def rename_body(op: Operations) -> None:
        op.alter_column(
            "note",
            "body",
            new_column_name="text",
            existing_type=sa.String(20),
            type_=sa.Text,
            schema="other",
        )

    try:
        migrate_safely(engine, require_body)
        assert rows(engine, "SELECT name FROM other.sqlite_master WHERE type = 'trigger'") == [
            ("note_logged",)
        ]
        with pytest.raises(SQLiteRebuildError, match="trigger 'note_logged' no longer fits"):
            migrate_safely(engine, rename_body)
        assert rows(engine, "SELECT id, body FROM other.note") == [(1, "hello")]
    finally:
        engine.dispose()


def test_a_dependent_naming_the_table_in_other_case_is_checked(engine: sa.engine.Engine) -> None:
    # SQLite's names are case-insensitive: NOTE is the table note.
    copy_on_audit = (
        "CREATE TRIGGER copy_note AFTER INSERT ON audit "
        "BEGIN UPDATE NOTE SET body = NEW.what WHERE id = 1; END"
    )
    setup(engine, [*NOTES, copy_on_audit])
    with pytest.raises(SQLiteRebuildError, match="trigger 'copy_note'"):
        migrate_safely(engine, _rename_body_and_retype)


def test_an_update_of_trigger_keeps_column_names_that_start_or_end_like_quotes(
    engine: sa.engine.Engine,
) -> None:
    # Only quote characters are taken off a listed name, never its own letters.
    setup(engine, [
        "CREATE TABLE probe (id INTEGER PRIMARY KEY, Xray VARCHAR(5), label VARCHAR(5))",
        "CREATE TABLE audit (what VARCHAR(40))",
        "CREATE TRIGGER xray_changed AFTER UPDATE OF Xray ON probe "
        "BEGIN INSERT INTO audit (what) VALUES ('changed'); END",
    ])
    migrate_safely(
        engine,
        lambda op: op.alter_column("probe", "label", existing_type=sa.String(5), nullable=False),
    )
    assert _triggers(engine) == [("xray_changed", "probe")]


def test_a_trigger_in_an_attached_database_is_checked_there_not_in_main(
    tmp_path: Path,
) -> None:
    # main has a table of the same name: an unqualified check would compile that one.
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'main.db'}")

    @sa.event.listens_for(engine, "connect")
    def attach(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.execute(f"ATTACH DATABASE '{tmp_path / 'other.db'}' AS other")

    setup(engine, [
        "CREATE TABLE note (id INTEGER PRIMARY KEY, text VARCHAR(20))",
        "CREATE TABLE other.note (id INTEGER PRIMARY KEY, body VARCHAR(20))",
        "CREATE TABLE other.audit (what VARCHAR(40))",
        "CREATE TRIGGER other.note_logged AFTER INSERT ON note "
        "BEGIN INSERT INTO audit (what) VALUES ('new ' || NEW.body); END",
        "CREATE VIEW other.bodies AS SELECT body FROM note",
    ])

    def rename_body(op: Operations) -> None:
        op.alter_column(
            "note", "body", new_column_name="text", existing_type=sa.String(20), type_=sa.Text,
            schema="other",
        )

    try:
        with pytest.raises(SQLiteRebuildError, match="'note_logged' no longer fits"):
            migrate_safely(engine, rename_body)
        assert rows(engine, "SELECT name FROM pragma_table_info('note', 'other')") == [
            ("id",), ("body",)
        ]
    finally:
        engine.dispose()
