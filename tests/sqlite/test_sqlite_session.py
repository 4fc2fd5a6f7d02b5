"""The SQLite migration session: all-or-nothing migrations, references kept and checked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.operations import Operations

from flask_remodel.dialects import driver_connection
from flask_remodel.dialects.sqlite import foreign_keys_enabled
from flask_remodel.sqlite import ForeignKeyViolationError
from flask_remodel.sqlite import sqlite_configure_options
from flask_remodel.sqlite import sqlite_migration_session
from sqlite.helpers import PARENT_AND_CHILDREN
from sqlite.helpers import migrate
from sqlite.helpers import migrate_safely
from sqlite.helpers import rows
from sqlite.helpers import setup
from sqlite.helpers import tables


def _fails_on_second_statement(op: Operations) -> None:
    op.create_table("first", sa.Column("id", sa.Integer, primary_key=True))
    op.execute("SELECT * FROM no_such_table")


def test_a_failing_migration_keeps_nothing_inside_the_session(
    plain_engine: sa.engine.Engine,
) -> None:
    with pytest.raises(sa.exc.OperationalError, match="no_such_table"):
        migrate_safely(plain_engine, _fails_on_second_statement)
    assert "first" not in tables(plain_engine)


def test_without_the_session_the_same_migration_is_half_applied(
    plain_engine: sa.engine.Engine,
) -> None:
    """What the session fixes: pysqlite commits DDL before the failure."""
    with plain_engine.connect() as connection, pytest.raises(sa.exc.OperationalError):
        migrate(connection, _fails_on_second_statement)
    assert "first" in tables(plain_engine)


def test_a_successful_migration_is_committed(engine: sa.engine.Engine) -> None:
    migrate_safely(
        engine, lambda op: op.create_table("kept", sa.Column("id", sa.Integer, primary_key=True))
    )
    assert "kept" in tables(engine)


def _make_name_required(op: Operations) -> None:
    with op.batch_alter_table("parent") as batch:
        batch.alter_column("name", existing_type=sa.String(20), nullable=False)


CHILDREN = "SELECT id, parent_id, step_id FROM child ORDER BY id"


def test_a_rebuild_keeps_cascading_and_set_null_references(engine: sa.engine.Engine) -> None:
    setup(engine, PARENT_AND_CHILDREN)
    before = rows(engine, CHILDREN)
    migrate_safely(engine, _make_name_required)
    assert rows(engine, CHILDREN) == before == [(10, 1, 2), (11, 2, 1), (12, 2, 2)]
    name = next(c for c in sa.inspect(engine).get_columns("parent") if c["name"] == "name")
    assert name["nullable"] is False


def test_without_the_session_the_same_rebuild_deletes_the_children(
    engine: sa.engine.Engine,
) -> None:
    """What the session fixes: with foreign keys on, DROP TABLE cascades."""
    setup(engine, PARENT_AND_CHILDREN)
    with engine.connect() as connection:
        migrate(connection, _make_name_required)
    assert rows(engine, CHILDREN) == []


def _commit(connection: sa.engine.Connection) -> None:
    # SQLAlchemy 1.4 connections have no commit(); their DDL autocommits.
    transaction = connection.get_transaction()
    if transaction is not None:
        transaction.commit()


def test_the_connection_is_given_back_as_it_was(engine: sa.engine.Engine) -> None:
    setup(engine, PARENT_AND_CHILDREN)
    with engine.connect() as connection:
        raw = driver_connection(connection)
        with sqlite_migration_session(connection):
            # Asked of the driver: a SQLAlchemy statement would begin a transaction.
            assert not foreign_keys_enabled(raw)
            migrate(connection, _make_name_required)
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert raw.isolation_level == ""  # the driver manages transactions again
        _commit(connection)

        # No listener is left on the connection: no BEGIN before DDL any more...
        connection.exec_driver_sql("CREATE TABLE later (id INTEGER)")
        assert not raw.in_transaction
        _commit(connection)
        # ...and no reference check before commit.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.exec_driver_sql("INSERT INTO child (id, parent_id) VALUES (99, 42)")
        _commit(connection)
    assert (99, 42, None) in rows(engine, CHILDREN)


def _delete_referenced_parent(op: Operations) -> None:
    op.execute("DELETE FROM parent WHERE id = 1")


def test_a_migration_that_breaks_references_is_rolled_back(engine: sa.engine.Engine) -> None:
    # No ON DELETE action on this reference: the rows stay, pointing nowhere.
    setup(
        engine,
        [
            "CREATE TABLE parent (id INTEGER PRIMARY KEY)",
            "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id))",
            "INSERT INTO parent (id) VALUES (1), (2)",
            "INSERT INTO child (id, parent_id) VALUES (10, 1), (11, 1), (12, 2)",
        ],
    )
    with pytest.raises(ForeignKeyViolationError) as caught:
        migrate_safely(engine, _delete_referenced_parent)
    error = caught.value
    assert sorted(error.violations) == [("child", 10, "parent", 0), ("child", 11, "parent", 0)]
    assert "child -> parent" in str(error) and "Nothing of it was kept" in str(error)
    assert rows(engine, "SELECT id FROM parent ORDER BY id") == [(1,), (2,)]


def test_references_are_not_checked_when_the_app_does_not_enforce_them(
    plain_engine: sa.engine.Engine,
) -> None:
    setup(
        plain_engine,
        [
            "CREATE TABLE parent (id INTEGER PRIMARY KEY)",
            "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id))",
            "INSERT INTO parent (id) VALUES (1)",
            "INSERT INTO child (id, parent_id) VALUES (10, 1)",
        ],
    )
    migrate_safely(plain_engine, _delete_referenced_parent)
    assert rows(plain_engine, "SELECT id FROM parent") == []


def test_an_app_using_sqlalchemys_own_pysqlite_recipe_still_migrates(tmp_path: Path) -> None:
    """The app already emits BEGIN in an engine "begin" listener; only one BEGIN goes out."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'recipe.db'}")

    @sa.event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA foreign_keys=ON")

    @sa.event.listens_for(engine, "begin")
    def on_begin(connection: sa.engine.Connection) -> None:
        connection.exec_driver_sql("BEGIN")

    try:
        setup(engine, PARENT_AND_CHILDREN)
        migrate_safely(engine, _make_name_required)
        assert len(rows(engine, CHILDREN)) == 3
        with pytest.raises(sa.exc.OperationalError):
            migrate_safely(engine, _fails_on_second_statement)
        assert "first" not in tables(engine)
    finally:
        engine.dispose()


def test_entering_with_a_transaction_open_is_refused(engine: sa.engine.Engine) -> None:
    with engine.connect() as connection:
        connection.begin()
        with pytest.raises(RuntimeError, match="before any transaction"):
            with sqlite_migration_session(connection):
                pass


def test_leaving_with_a_transaction_open_is_refused(engine: sa.engine.Engine) -> None:
    with engine.connect() as connection:
        with pytest.raises(RuntimeError, match="still open"):
            with sqlite_migration_session(connection):
                connection.begin()
                connection.exec_driver_sql("CREATE TABLE never (id INTEGER)")
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert "never" not in tables(engine)


def test_alembic_is_told_that_sqlite_ddl_is_transactional_only_on_sqlite() -> None:
    assert sqlite_configure_options("sqlite") == {"transactional_ddl": True}
    assert sqlite_configure_options("postgresql") == {}


def test_the_violation_message_counts_rows_and_lists_each_reference_once() -> None:
    error = ForeignKeyViolationError(
        [("child", 10, "parent", 0), ("child", 11, "parent", 0), ("tag", 3, "parent", 1)]
    )
    assert str(error) == (
        "The migration failed: it would leave 3 row(s) referring to missing rows "
        "(child -> parent, tag -> parent); the revision must also delete or update those "
        "rows. Nothing of it was kept; fix the revision and run the command again."
    )
