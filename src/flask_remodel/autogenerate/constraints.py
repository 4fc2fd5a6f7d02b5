"""CHECK constraints compared by their expression, and primary-key changes.

Alembic compares no CHECK constraint by default (its by-name comparator is
opt-in since 1.19.2, and never looks at the expression) and no primary key.
Here a CHECK is matched by name (an unnamed one in the models by the name
Flask-Remodel gives it when it is created, see :mod:`flask_remodel.directives`)
and compared by its SQL as each database spells it back, normalised; a
primary key is compared by its columns.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic.operations import ops

from .._alembic import made_by_column_type
from .naming import check_name
from .operations import ReplacePrimaryKeyOp
from .registration import Comparator


def normalised_sql(text: Any) -> str:
    """The SQL of a CHECK without the spelling each database adds when it hands it back."""
    value = str(text).lower()
    value = re.sub(r"::[a-z ]+(\(\d+(,\s*\d+)?\))?", "", value)  # PostgreSQL casts
    return re.sub(r"[\s()\"`]", "", value)


def _server_named(name: str | None, table: str) -> bool:
    """A name the database made up (PostgreSQL, MariaDB), or none at all.

    Such a CHECK was not declared by name in the models: typically one a
    ``Boolean``/``Enum(create_constraint=True)`` column made. It is left to
    the column's own comparison, never dropped from here.
    """
    if not name:
        return True
    return bool(re.fullmatch(rf"{re.escape(table)}_.*_check|CONSTRAINT_\d+", name))


def _checks(table: sa.Table, reflected: bool) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for constraint in table.constraints:
        if not isinstance(constraint, sa.CheckConstraint):
            continue
        name = constraint.name if isinstance(constraint.name, str) else None
        if reflected and (
            _server_named(name, table.name)
            or str(constraint.sqltext).lower().startswith("json_valid")  # MariaDB's, on JSON
        ):
            continue
        if not reflected and made_by_column_type(constraint):
            continue  # made by a Boolean/Enum type: compared with the column type
        found[name or check_name(table.name, constraint.sqltext)] = constraint
    return found


def _check_changes(
    modify_ops: ops.ModifyTableOps, schema: str | None, tname: str,
    conn_table: sa.Table, metadata_table: sa.Table,
) -> None:
    have, want = _checks(conn_table, True), _checks(metadata_table, False)

    def differs(name: str, mine: Any, others: dict[str, Any]) -> bool:
        other = others.get(name)
        return other is None or normalised_sql(other.sqltext) != normalised_sql(mine.sqltext)

    for name, constraint in have.items():
        if differs(name, constraint, want):
            modify_ops.ops.append(ops.DropConstraintOp.from_constraint(_named(constraint, name)))
    for name, constraint in want.items():
        if differs(name, constraint, have):
            modify_ops.ops.append(
                ops.CreateCheckConstraintOp(name, tname, constraint.sqltext, schema=schema)
            )


def _named(constraint: sa.CheckConstraint, name: str) -> sa.CheckConstraint:
    if constraint.name == name:
        return constraint
    copy = sa.CheckConstraint(sa.text(str(constraint.sqltext)), name=name)
    sa.Table(constraint.table.name, sa.MetaData(), copy, schema=constraint.table.schema)
    return copy


def _primary_key_change(
    modify_ops: ops.ModifyTableOps, schema: str | None, tname: str,
    conn_table: sa.Table, metadata_table: sa.Table,
) -> None:
    have = [c.name for c in conn_table.primary_key.columns]
    want = [c.name for c in metadata_table.primary_key.columns]
    if not have or not want or have == want:
        return
    old_name = str(conn_table.primary_key.name or f"{tname}_pkey")
    new_name = metadata_table.primary_key.name
    new_name = new_name if isinstance(new_name, str) else f"{tname}_pkey"
    modify_ops.ops.append(ReplacePrimaryKeyOp(tname, old_name, have, new_name, want, schema))


def _table_comparator(
    compare: Callable[[ops.ModifyTableOps, str | None, str, sa.Table, sa.Table], None],
) -> Callable[..., Any]:
    """An Alembic table comparator running *compare* on tables both sides have."""

    def comparator(
        autogen_context: Any, modify_ops: ops.ModifyTableOps, schema: str | None,
        tname: str, conn_table: sa.Table | None, metadata_table: sa.Table | None,
    ) -> None:
        if conn_table is not None and metadata_table is not None:
            compare(modify_ops, schema, tname, conn_table, metadata_table)

    return comparator


def _enum_check_values(sqltext: Any, column: str) -> set[str] | None:
    """The values an ``IN``-list CHECK on *column* allows, as the database spells it."""
    text = str(sqltext)
    if not re.search(rf"(?<![\w]){re.escape(column)}(?![\w])", text):
        return None
    return set(re.findall(r"'((?:[^']|'')*)'", text))


def _enum_check_changes(
    modify_ops: ops.ModifyTableOps, schema: str | None, tname: str,
    conn_table: sa.Table, metadata_table: sa.Table,
) -> None:
    """Non-native enums with ``create_constraint=True``: their CHECK follows the values.

    The CHECK keeps the name the database gave it (PostgreSQL
    ``<table>_<column>_check``, MariaDB ``CONSTRAINT_<n>``). SQLite's has
    none and cannot be dropped: it is left alone there.
    """
    reflected = [
        c for c in conn_table.constraints
        if isinstance(c, sa.CheckConstraint) and isinstance(c.name, str)
    ]
    for column in metadata_table.columns:
        type_ = column.type
        if not isinstance(type_, sa.Enum) or type_.native_enum or not type_.create_constraint:
            continue
        wanted = set(type_.enums)
        for constraint in reflected:
            found = _enum_check_values(constraint.sqltext, column.name)
            if not found or found == wanted:
                continue
            name = str(constraint.name)
            values = ", ".join("'" + v.replace("'", "''") + "'" for v in type_.enums)
            modify_ops.ops.insert(0, ops.DropConstraintOp.from_constraint(constraint))
            for op in modify_ops.ops:
                if isinstance(op, ops.AlterColumnOp) and op.column_name == column.name:
                    # Given the Enum, alter_column would create its unnamed CHECK
                    # (and the downgrade try to drop one with no name): the
                    # column changes as a string, the CHECK by name below.
                    op.modify_type = sa.String(type_.length)
            modify_ops.ops.append(ops.CreateCheckConstraintOp(
                name, tname, sa.text(f"{column.name} IN ({values})"), schema=schema
            ))


compare_checks = _table_comparator(_check_changes)
compare_enum_checks = _table_comparator(_enum_check_changes)
compare_primary_key = _table_comparator(_primary_key_change)


#: The plugin ``flask_remodel.constraints``, registered by :mod:`.plugin`.
COMPARATORS = (
    Comparator(compare_checks, "table", "remodel_checks"),
    Comparator(compare_primary_key, "table", "remodel_primary_key"),
    Comparator(compare_enum_checks, "table", "remodel_enum_checks"),
)
