"""Operation order that runs in both directions, and MySQL/MariaDB's hidden FK indexes.

MariaDB refuses to drop an index a foreign key still needs, and creates an
index of its own (named after the foreign key) when a new foreign key has
none. So within each table:

* foreign keys are dropped first and created last (after the indexes they can use);
* renamed columns are renamed next, before anything names them by their new name;
* when a foreign key is dropped on MySQL/MariaDB, the index the server made
  for it is dropped too, unless the models keep an index of that name;
  otherwise ``check`` would find an index nobody declared.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from alembic.operations import ops

from .operations import RenameColumnOp


def _rank(op: Any) -> int:
    if isinstance(op, ops.DropConstraintOp) and op.constraint_type == "foreignkey":
        return 0
    if isinstance(op, RenameColumnOp):
        # Before indexes and constraints that name the column by its new name
        # (those naming the old one drop by their own name, which still works).
        return 1
    if isinstance(op, ops.CreateForeignKeyOp):
        return 3
    return 2


def order_foreign_keys(container: ops.OpContainer) -> None:
    for op in container.ops:
        if isinstance(op, ops.ModifyTableOps):
            op.ops.sort(key=_rank)  # stable: everything else keeps its order


def _leading(index_columns: Iterable[str], wanted: list[str]) -> bool:
    return list(index_columns)[: len(wanted)] == wanted


def server_made_indexes(
    container: ops.OpContainer,
    created_by_server: Any,
) -> None:
    """After each foreign-key drop, drop the index the server made for it.

    :param created_by_server: ``(table, fk name) -> bool``, whether that
        index exists when the drop runs and nobody declared it.
    """
    for op in container.ops:
        if not isinstance(op, ops.ModifyTableOps):
            continue
        placed: list[Any] = []
        for inner in op.ops:
            placed.append(inner)
            if (
                isinstance(inner, ops.DropConstraintOp)
                and inner.constraint_type == "foreignkey"
                and inner.constraint_name
                and created_by_server(op.table_name, str(inner.constraint_name), inner)
            ):
                placed.append(
                    ops.DropIndexOp(str(inner.constraint_name), op.table_name, schema=op.schema)
                )
        op.ops[:] = placed


def _model_index_names(tables: Iterable[sa.Table], table: str) -> set[str]:
    return {
        str(index.name) for t in tables if t.name == table for index in t.indexes if index.name
    }


def _fk_columns(drop: ops.DropConstraintOp) -> list[str]:
    try:
        created = drop.reverse()
    except ValueError:
        return []
    if isinstance(created, ops.CreateForeignKeyOp):
        return [str(c) for c in created.local_cols]
    return []


def for_upgrade(connection: Any, tables: list[sa.Table]) -> Any:
    """The foreign keys dropped now: their index exists in the database now."""
    inspector = sa.inspect(connection)

    def made(table: str, name: str, drop: ops.DropConstraintOp) -> bool:
        existing = {ix["name"] for ix in inspector.get_indexes(table)}
        return name in existing and name not in _model_index_names(tables, table)

    return made


def for_downgrade(connection: Any, tables: list[sa.Table]) -> Any:
    """The foreign keys the upgrade creates: the server adds an index when none fits."""
    inspector = sa.inspect(connection)

    def made(table: str, name: str, drop: ops.DropConstraintOp) -> bool:
        if name in {ix["name"] for ix in inspector.get_indexes(table)}:
            return False  # it was there before the upgrade: the downgrade keeps it
        columns = _fk_columns(drop)
        model = [t for t in tables if t.name == table]
        if not columns or not model:
            return False
        covering = [list(ix.columns.keys()) for ix in model[0].indexes]
        covering.append(list(model[0].primary_key.columns.keys()))
        return not any(_leading(found, columns) for found in covering)

    return made


def split_after_renames(container: ops.OpContainer) -> None:
    """End a table's block after its column renames; the rest follows in a second one.

    In one batch block Alembic cannot create an index on a column renamed in
    that same block (its rebuild looks the new name up among the old
    columns); two blocks run one after the other. Elsewhere this changes
    nothing but the grouping.
    """
    placed: list[Any] = []
    for op in container.ops:
        if not isinstance(op, ops.ModifyTableOps):
            placed.append(op)
            continue
        last = max(
            (i for i, inner in enumerate(op.ops) if isinstance(inner, RenameColumnOp)),
            default=None,
        )
        if last is None or last == len(op.ops) - 1:
            placed.append(op)
            continue
        placed.append(ops.ModifyTableOps(op.table_name, op.ops[: last + 1], schema=op.schema))
        placed.append(ops.ModifyTableOps(op.table_name, op.ops[last + 1:], schema=op.schema))
    container.ops[:] = placed
