"""``op.alter_column`` and constraint operations that work on SQLite outside batch mode.

SQLite's ALTER TABLE can add, rename and drop columns, nothing more. Scripts
written for PostgreSQL or MySQL call ``op.alter_column`` or
``op.create_unique_constraint`` directly, and Alembic then fails on SQLite
(or, for ``alter_column``, sends SQL that SQLite rejects). Here those
operations, on SQLite and outside a batch, become a batch rebuild of the
table (``recreate="always"``) that re-issues the very same operation, so
every argument (``existing_type``, ``server_default``...) is kept. The
table's triggers, which a rebuild silently drops, are put back (see
:mod:`.dependents`). Everywhere else, and inside batch blocks, the
implementation registered before ours runs unchanged.
"""

from __future__ import annotations

from typing import Any

from alembic.operations import BatchOperations
from alembic.operations import Operations
from alembic.operations import ops

from .._alembic import Implementation
from .._alembic import registered_implementation
from ._driver import driver_connection
from ._driver import foreign_keys_enabled
from .dependents import find_dependents
from .dependents import renames_left_alone
from .dependents import restore_dependents
from .errors import SQLiteRebuildError

REBUILT_OPERATIONS: tuple[type[ops.MigrateOperation], ...] = (
    ops.AlterColumnOp,
    ops.CreateUniqueConstraintOp,
    ops.CreateForeignKeyOp,
    ops.CreateCheckConstraintOp,
    ops.CreatePrimaryKeyOp,
    ops.DropConstraintOp,
)
"""The operations SQLite's ALTER TABLE cannot do (``alter_column``: most of the time)."""

# The implementation we registered for each operation, to recognise it when
# install_sqlite_rebuilds() runs again.
_ours: dict[type[ops.MigrateOperation], Implementation] = {}


def _alter_needs_rebuild(operation: ops.AlterColumnOp) -> bool:
    # A rename alone is native ALTER TABLE; a comment alone is ignored by
    # Alembic on SQLite (no comments there), so rebuilding would change nothing.
    return (
        operation.modify_type is not None
        or operation.modify_nullable is not None
        or operation.modify_server_default is not False
    )


def _needs_rebuild(operations: Operations, operation: ops.MigrateOperation) -> bool:
    if operations.migration_context.dialect.name != "sqlite":
        return False
    if isinstance(operations, BatchOperations):
        return False  # the batch block is the rebuild already
    if isinstance(operation, ops.AlterColumnOp):
        return _alter_needs_rebuild(operation)
    return True


def _target(operation: Any) -> tuple[str, str | None]:
    # CreateForeignKeyOp names its table source_table; the others table_name.
    table = getattr(operation, "table_name", None) or operation.source_table
    return str(table), getattr(operation, "schema", None)


def _refuse_what_cannot_be_rebuilt(
    operations: Operations, operation: ops.MigrateOperation, table: str
) -> None:
    if operations.migration_context.as_sql:
        raise SQLiteRebuildError(
            f"This migration changes table '{table}' in a way SQLite can only do by "
            "rebuilding the table, and with --sql there is no database to read the table's "
            "definition from. Write the change as "
            f'\'with op.batch_alter_table("{table}", copy_from=<sa.Table as it is at this '
            "revision>) as batch_op:' in the migration, or run it without --sql."
        )
    if isinstance(operation, ops.DropConstraintOp) and not operation.constraint_name:
        raise SQLiteRebuildError(
            f"Cannot drop an unnamed constraint of table '{table}': SQLite only finds a "
            "constraint by name. Give it a name in the model (or a naming convention on "
            "the MetaData) and in the migration."
        )
    if foreign_keys_enabled(driver_connection(operations.get_bind())):
        raise SQLiteRebuildError(
            f"Rebuilding table '{table}' with foreign keys enforced would delete or empty "
            "the rows that refer to it. Run migrations through Flask-Remodel's env.py "
            "(it switches foreign keys off around each revision): replace migrations/env.py "
            "with the one 'flask db init' writes."
        )


def _rebuild(operations: Operations, operation: ops.MigrateOperation) -> None:
    table, schema = _target(operation)
    _refuse_what_cannot_be_rebuilt(operations, operation, table)
    connection = operations.get_bind()
    dependents = find_dependents(connection, table, schema)
    with renames_left_alone(connection):
        try:
            with operations.batch_alter_table(table, schema=schema, recreate="always") as batch:
                batch.invoke(operation)
        except ValueError as exc:
            # Alembic's batch reports a constraint it cannot find as ValueError.
            raise SQLiteRebuildError(
                f"Cannot change table '{table}': {exc}. On SQLite a constraint has a name "
                "only if it was created with one: look it up in the table's CREATE TABLE "
                "statement (SELECT sql FROM sqlite_master) and use that name."
            ) from exc
    restore_dependents(connection, table, schema, dependents)


def _rebuilding(original: Implementation) -> Implementation:
    def rebuild_on_sqlite(operations: Operations, operation: ops.MigrateOperation) -> Any:
        if _needs_rebuild(operations, operation):
            _rebuild(operations, operation)
            return None
        return original(operations, operation)

    return rebuild_on_sqlite


def install_sqlite_rebuilds() -> None:
    """Register the rebuilding implementations; calling it again changes nothing.

    Each stands in for the implementation registered before it (Alembic's
    own, or another extension's), which still runs for every other database,
    inside batch blocks and for a plain column rename.
    """
    for op_class in REBUILT_OPERATIONS:
        current = registered_implementation(op_class)
        if current is _ours.get(op_class):
            continue
        ours = _rebuilding(current)
        Operations.implementation_for(op_class, replace=True)(ours)
        _ours[op_class] = ours
