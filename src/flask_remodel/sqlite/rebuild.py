"""``op.alter_column`` and constraint operations that work on SQLite outside batch mode.

SQLite's ALTER TABLE can add, rename and drop columns, nothing more. Scripts
written for PostgreSQL or MySQL call ``op.alter_column`` or
``op.create_unique_constraint`` directly, and Alembic then fails on SQLite.
Here those operations, on SQLite and outside a batch, become a batch rebuild
of the table (``recreate="always"``), which keeps the rows. The table's
triggers, which a rebuild silently drops, are put back.
"""

from __future__ import annotations

from typing import Any

from alembic.operations import BatchOperations
from alembic.operations import Operations
from alembic.operations import ops
from alembic.operations import toimpl
from sqlalchemy import text

from ._driver import driver_connection
from ._driver import foreign_keys_enabled
from .errors import SQLiteRebuildError

_installed = False


def _is_pure_rename(operation: ops.AlterColumnOp) -> bool:
    changes = (
        operation.modify_type,
        operation.modify_nullable,
        operation.modify_server_default,
        operation.modify_comment,
    )
    return operation.modify_name is not None and all(c in (None, False) for c in changes)


def _needs_rebuild(operations: Operations, operation: Any) -> bool:
    context = operations.migration_context
    if context.dialect.name != "sqlite" or isinstance(operations, BatchOperations):
        return False
    if context.as_sql:
        return False  # --sql mode has no table to read; Alembic's own SQL is printed
    if isinstance(operation, ops.AlterColumnOp):
        return not _is_pure_rename(operation)
    return True


def _table_of(operation: Any) -> tuple[str, str | None]:
    table = getattr(operation, "table_name", None) or operation.source_table
    return table, getattr(operation, "schema", None)


def _rebuild(operations: Operations, operation: Any) -> None:
    table, schema = _table_of(operation)
    connection = operations.get_bind()
    raw = driver_connection(connection)
    if foreign_keys_enabled(raw):
        raise SQLiteRebuildError(
            f"Rebuilding table '{table}' with foreign keys enforced would delete or empty "
            "the rows that refer to it. Run migrations through Flask-Remodel's env.py "
            "(it switches foreign keys off around each revision): replace migrations/env.py "
            "with the one 'flask db init' writes."
        )
    if isinstance(operation, ops.DropConstraintOp) and not operation.constraint_name:
        raise SQLiteRebuildError(
            f"Cannot drop an unnamed constraint of table '{table}': give it a name in the "
            "model (or a naming convention on the MetaData) and in the migration."
        )
    triggers = connection.execute(
        text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"),
        {"t": table},
    ).fetchall()
    with operations.batch_alter_table(table, schema=schema, recreate="always") as batch:
        batch.invoke(operation)
    for name, sql in triggers:
        try:
            connection.exec_driver_sql(sql)
        except Exception as exc:
            raise SQLiteRebuildError(
                f"Trigger '{name}' on table '{table}' no longer fits the rebuilt table "
                f"({exc}). Drop or rewrite the trigger in this migration."
            ) from exc


def _alter_column(operations: Operations, operation: ops.AlterColumnOp) -> None:
    if _needs_rebuild(operations, operation):
        _rebuild(operations, operation)
    else:
        toimpl.alter_column(operations, operation)


def _add_constraint(operations: Operations, operation: ops.AddConstraintOp) -> None:
    if _needs_rebuild(operations, operation):
        _rebuild(operations, operation)
    else:
        toimpl.create_constraint(operations, operation)


def _drop_constraint(operations: Operations, operation: ops.DropConstraintOp) -> None:
    if _needs_rebuild(operations, operation):
        _rebuild(operations, operation)
    else:
        toimpl.drop_constraint(operations, operation)


def install_sqlite_rebuilds() -> None:
    """Register the rebuilding implementations (once; later calls do nothing).

    They stand in for Alembic's own, which they call for every other database
    and inside batch blocks.
    """
    global _installed
    if _installed:
        return
    Operations.implementation_for(ops.AlterColumnOp, replace=True)(_alter_column)
    Operations.implementation_for(ops.AddConstraintOp, replace=True)(_add_constraint)
    Operations.implementation_for(ops.DropConstraintOp, replace=True)(_drop_constraint)
    _installed = True
