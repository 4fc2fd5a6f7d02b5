"""Triggers and views around a rebuilt table keep working, or the migration stops."""

from __future__ import annotations

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
    with pytest.raises(SQLiteRebuildError, match="trigger 'body_changed'"):
        migrate_safely(engine, _rename_body_and_retype)


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
    with pytest.raises(SQLiteRebuildError, match="trigger 'copy_note'"):
        migrate_safely(engine, _rename_body_and_retype)


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
