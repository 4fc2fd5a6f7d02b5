"""Autogenerate writes the online forms: one ``process_revision_directives`` step.

:func:`use_online_forms` replaces, in the script autogenerate is about to
write, each operation that would block writes on a table that already exists
by its online form, when the database is PostgreSQL or MariaDB/MySQL:

==========================================  =====================================
autogenerate found                          written as
==========================================  =====================================
``create_index`` (plain columns)            ``create_index_online``; on PostgreSQL
                                            Alembic's ``create_index`` (concurrent)
``drop_index``                              ``drop_index_online``; on PostgreSQL
                                            Alembic's ``drop_index`` (concurrent)
``create_foreign_key``                      ``create_foreign_key_online``
``create_check_constraint`` (PostgreSQL)    ``create_check_constraint_online``
``create_unique_constraint``                ``create_unique_constraint_online``
``alter_column(nullable=False)`` alone      ``set_not_null_online``
``alter_column(type_=...)`` that rewrites   ``expand_column`` + ``contract_column``
the fill of a new required column           ``backfill``
==========================================  =====================================

A type change counts as rewriting when the type's name changes (INTEGER to
BIGINT), not when only its length does (VARCHAR(50) to VARCHAR(100)). It is
written as an expansion to ``<column>_new`` and, in the same revision, the
contraction that renames it back: the running code keeps reading and writing
the column under its name throughout.

A new required column (``migrate --default``, see
:mod:`..autogenerate.required`) is added nullable, filled, then made NOT
NULL. Its fill becomes a batched ``op.backfill`` of the rows still NULL, and
its NOT NULL ``set_not_null_online``. The backfill commits the revision's
transaction before its first batch, so the ADD COLUMN (and its lock) is
committed by then; the column is added ``if_not_exists=True`` so that running
the revision again after a stopped backfill carries on.

On PostgreSQL the index forms are Alembic's own operations in an
``autocommit_block()`` (see :mod:`.plain_forms`), so a project can still go
back to Flask-Migrate; elsewhere, and for what Alembic has no form of, the
operations are Flask-Remodel's.

Tables created by the same script are left alone: nobody writes to them yet.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from typing import TypeAlias

import sqlalchemy as sa
from alembic.operations import ops
from sqlalchemy.sql.elements import ColumnClause

from ..autogenerate.operations import FillNullsOp
from ..dialects import dialect_for
from .backfill import BackfillOp
from .expand import ContractColumnOp
from .expand import ExpandColumnOp
from .operations import CreateCheckConstraintOnlineOp
from .operations import CreateForeignKeyOnlineOp
from .operations import CreateIndexOnlineOp
from .operations import CreateUniqueConstraintOnlineOp
from .operations import DropIndexOnlineOp
from .operations import SetNotNullOnlineOp
from .plain_forms import concurrent_index_build
from .plain_forms import concurrent_index_drop

Converted: TypeAlias = "ops.MigrateOperation | list[ops.MigrateOperation] | None"
Converter = Callable[[Any, Any], Converted]


def _plain_columns(columns: list[Any]) -> list[str] | None:
    names = []
    for column in columns:
        if isinstance(column, str):
            names.append(column)
        elif isinstance(column, ColumnClause) and not column.is_literal:
            names.append(column.name)
        else:
            return None  # an expression index: written as autogenerate wrote it
    return names


def _online_index(op: ops.CreateIndexOp, dialect: Any) -> CreateIndexOnlineOp | None:
    index = op.to_index()
    columns = _plain_columns(list(index.expressions))
    if columns is None or index.dialect_kwargs or op.index_name is None:
        return None
    return CreateIndexOnlineOp(
        str(op.index_name), op.table_name, columns, unique=bool(index.unique), schema=op.schema
    )


def _alembic_has_the_form(dialect: Any) -> bool:
    """Whether Alembic's own operations can write the index forms (issue 17)."""
    return dialect_for(dialect).family == "postgresql"


def _index(op: ops.CreateIndexOp, dialect: Any) -> ops.MigrateOperation | None:
    online = _online_index(op, dialect)
    if online is not None and _alembic_has_the_form(dialect):
        return concurrent_index_build(online)
    return online


def _drop_index(op: ops.DropIndexOp, dialect: Any) -> ops.MigrateOperation | None:
    if op.table_name is None:
        return None
    try:
        created = _online_index(op.reverse(), dialect)
    except ValueError:  # Alembic kept no definition of the index
        created = None
    dropped = DropIndexOnlineOp(
        str(op.index_name), op.table_name, schema=op.schema, _reverse=created
    )
    return concurrent_index_drop(dropped) if _alembic_has_the_form(dialect) else dropped


def _foreign_key(op: ops.CreateForeignKeyOp, dialect: Any) -> ops.MigrateOperation | None:
    if op.constraint_name is None or set(op.kw) - {
        "ondelete", "onupdate", "source_schema", "referent_schema"
    } - {k for k, v in op.kw.items() if v is None}:
        return None  # deferrable, match...: keep Alembic's own form
    return CreateForeignKeyOnlineOp(
        str(op.constraint_name), op.source_table, op.referent_table, op.local_cols,
        op.remote_cols, ondelete=op.kw.get("ondelete"), onupdate=op.kw.get("onupdate"),
        source_schema=op.kw.get("source_schema"), referent_schema=op.kw.get("referent_schema"),
    )


def _check(op: ops.CreateCheckConstraintOp, dialect: Any) -> ops.MigrateOperation | None:
    if op.constraint_name is None or not dialect_for(dialect).not_valid_constraints:
        return None  # MariaDB/MySQL can only add a CHECK by copying the table
    return CreateCheckConstraintOnlineOp(
        str(op.constraint_name), op.table_name, str(op.condition), schema=op.schema
    )


def _unique(op: ops.CreateUniqueConstraintOp, dialect: Any) -> ops.MigrateOperation | None:
    if op.constraint_name is None:
        return None
    return CreateUniqueConstraintOnlineOp(
        str(op.constraint_name), op.table_name, [str(c) for c in op.columns], schema=op.schema
    )


def _type_name(type_: Any, dialect: Any) -> str:
    compiled = str(sa.types.to_instance(type_).compile(dialect=dialect))
    return compiled.split("(")[0].strip().upper()


def _rewrites(op: ops.AlterColumnOp, dialect: Any) -> bool:
    if op.existing_type is None or op.modify_type is None:
        return False
    return _type_name(op.existing_type, dialect) != _type_name(op.modify_type, dialect)


def _alter(op: ops.AlterColumnOp, dialect: Any) -> Converted:
    others_unchanged = (
        op.modify_name is None
        and op.modify_server_default is False
        and op.modify_comment is False
    )
    if not others_unchanged:
        return None
    if op.modify_nullable is False and op.modify_type is None:
        return SetNotNullOnlineOp(
            op.table_name, op.column_name, existing_type=op.existing_type, schema=op.schema
        )
    if op.modify_nullable is None and _rewrites(op, dialect) and not op.kw.get(
        "existing_autoincrement"
    ):
        new = f"{op.column_name}_new"
        return [
            ExpandColumnOp(
                op.table_name, op.column_name, new, op.modify_type,
                nullable=op.existing_nullable is not False, schema=op.schema,
                existing_type=op.existing_type,
            ),
            ContractColumnOp(op.table_name, op.column_name, new, rename=True, schema=op.schema),
        ]
    return None


_CONVERTERS: dict[type[Any], Converter] = {
    ops.CreateIndexOp: _index,
    ops.DropIndexOp: _drop_index,
    ops.CreateForeignKeyOp: _foreign_key,
    ops.CreateCheckConstraintOp: _check,
    ops.CreateUniqueConstraintOp: _unique,
    ops.AlterColumnOp: _alter,
}


def _table_of(op: Any) -> str | None:
    return getattr(op, "table_name", None) or getattr(op, "source_table", None)


def _convert_list(operations: list[Any], dialect: Any, new_tables: set[str]) -> list[Any]:
    converted: list[Any] = []
    for op in operations:
        if isinstance(op, ops.OpContainer):
            op.ops = _convert_list(list(op.ops), dialect, new_tables)
            converted.append(op)
            continue
        convert = _CONVERTERS.get(type(op))
        replacement = None
        if convert is not None and _table_of(op) not in new_tables:
            replacement = convert(op, dialect)
        if replacement is None:
            converted.append(op)
        elif isinstance(replacement, list):
            converted.extend(replacement)
        else:
            converted.append(replacement)
    return converted


_ColumnKey: TypeAlias = "tuple[str | None, str, str]"
"""(schema, table, column)."""


def _added_columns(operations: list[Any], new_tables: set[str]) -> dict[_ColumnKey, Any]:
    """The ``add_column`` operations on tables that exist already, by column."""
    added: dict[_ColumnKey, Any] = {}
    for op in operations:
        if isinstance(op, ops.OpContainer):
            added.update(_added_columns(list(op.ops), new_tables))
        elif isinstance(op, ops.AddColumnOp) and op.table_name not in new_tables:
            added[(op.schema, op.table_name, op.column.name)] = op
    return added


def _backfill(op: FillNullsOp, dialect: Any) -> BackfillOp:
    # set_ takes a str as SQL: the value goes in as a literal of the column's type.
    column = dialect.identifier_preparer.quote(op.column_name)
    return BackfillOp(
        op.table_name, {op.column_name: sa.literal(op.value, op.type_)},
        where=f"{column} IS NULL", schema=op.schema,
    )


def _backfill_new_columns(upgrade: ops.UpgradeOps, dialect: Any, new_tables: set[str]) -> int:
    """Turn the fills of columns *upgrade* adds into batched backfills; return how many.

    The fill of an existing column made NOT NULL stays as it is: no ADD
    COLUMN lock is held while it runs.
    """
    added = _added_columns(list(upgrade.ops), new_tables)
    converted = 0
    for index, op in enumerate(upgrade.ops):
        if not isinstance(op, FillNullsOp):
            continue
        add = added.get((op.schema, op.table_name, op.column_name))
        if add is not None:
            # The backfill commits the ADD COLUMN before its batches: a run that
            # stops part-way leaves the column behind for the next run to reuse.
            add.if_not_exists = True
            upgrade.ops[index] = _backfill(op, dialect)
            converted += 1
    return converted


def use_online_forms(context: Any, script: ops.MigrationScript) -> int:
    """Rewrite the last database's operations in *script* into online forms.

    :param context: the ``MigrationContext`` autogenerate compared against;
        nothing changes unless its dialect is PostgreSQL or MariaDB/MySQL.
    :return: how many operations were replaced.
    """
    dialect = context.dialect
    if not dialect_for(dialect).online_operations:
        return 0
    # With several databases Alembic calls the hook after each one; the last
    # pair of upgrade/downgrade lists is the database just compared.
    upgrade = script.upgrade_ops_list[-1]
    downgrade = script.downgrade_ops_list[-1]
    new_tables = {op.table_name for op in upgrade.ops if isinstance(op, ops.CreateTableOp)}
    backfills = _backfill_new_columns(upgrade, dialect, new_tables)
    before = _count(upgrade) + _count(downgrade)
    upgrade.ops = _convert_list(list(upgrade.ops), dialect, new_tables)
    downgrade.ops = _convert_list(list(downgrade.ops), dialect, new_tables)
    return backfills + before - _count(upgrade) - _count(downgrade)


def _count(container: Any) -> int:
    """How many operations are still Alembic's plain, convertible kinds."""
    found = 0
    for op in getattr(container, "ops", ()):
        found += _count(op) if isinstance(op, ops.OpContainer) else type(op) in _CONVERTERS
    return found
