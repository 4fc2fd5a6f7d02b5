"""Required columns on tables that may have rows.

``ADD COLUMN ... NOT NULL`` without a default fails on PostgreSQL and SQLite
when the table has rows, and on MariaDB succeeds by giving every row ``''``
or ``0``, a value nobody chose. So a new required column (and a column made
required) is written as: add it nullable, fill the rows that have no value
with the value the user gave, then make it NOT NULL. Without a value the
fill is left out, and the last step fails on any row left empty (MariaDB
migrations run in strict mode for that, see :mod:`flask_remodel.environment`).
"""

from __future__ import annotations

import datetime
import decimal
from typing import Any

import sqlalchemy as sa
from alembic.operations import ops

from .._alembic import copied_column
from ..errors import FillValueNeededError
from .decisions import Decisions
from .decisions import FillValue
from .operations import FillNullsOp
from .operations import NoteOp
from .renames import family


def _needs_value(column: sa.Column[Any]) -> bool:
    return (
        not column.nullable
        and column.server_default is None
        and not column.primary_key
        and column.computed is None
        and column.identity is None
    )


def _count(connection: Any, table: str, schema: str | None, null_in: str | None = None) -> int:
    if connection is None:  # offline: assume the worst
        return 1
    target = sa.table(table, *([sa.column(null_in)] if null_in else []), schema=schema)
    query = sa.select(sa.func.count()).select_from(target)
    if null_in:
        query = query.where(target.c[null_in].is_(None))
    return int(connection.execute(query).scalar() or 0)


def _typed(value: str, type_: Any) -> Any:
    """*value* as the Python value the column holds, so the script binds it right."""
    try:
        python_type = type_.python_type
    except NotImplementedError:
        return value
    converters: dict[type[Any], Any] = {
        bool: lambda text: text.strip().lower() in ("1", "true", "yes", "y", "t", "on"),
        int: int,
        float: float,
        decimal.Decimal: decimal.Decimal,
        datetime.date: datetime.date.fromisoformat,
        datetime.datetime: datetime.datetime.fromisoformat,
    }
    convert = converters.get(python_type)
    if convert is None:
        return value
    try:
        return convert(value)
    except (ValueError, ArithmeticError) as exc:
        raise FillValueNeededError(
            "", "", f"the value {value!r} is not a {python_type.__name__} ({exc})"
        ) from exc


def _ask(
    decisions: Decisions, table: str, column: sa.Column[Any], rows: int, dialect: Any,
    renamed_from: tuple[str, ...] = (),
) -> Any:
    if not rows and (table, column.name) not in decisions.fill_values:
        return None  # nothing to fill now; the script says so (see _fill_steps)
    question = FillValue(table, column.name, str(column.type.compile(dialect=dialect)), rows)
    answer = decisions.fill_value(question)
    if answer is None:
        if rows:
            raise FillValueNeededError(
                table, column.name, f"{rows} row(s) have no value", renamed_from
            )
        return None
    try:
        return _typed(answer, column.type)
    except FillValueNeededError as exc:
        raise FillValueNeededError(table, column.name, exc.reason) from exc


def _not_null(table: str, column: sa.Column[Any], schema: str | None) -> ops.ModifyTableOps:
    alter = ops.AlterColumnOp(
        table, column.name, schema=schema, existing_type=column.type,
        existing_nullable=True, existing_comment=column.comment, modify_nullable=False,
    )
    return ops.ModifyTableOps(table, [alter], schema=schema)


def _fill_steps(table: str, column: sa.Column[Any], value: Any, schema: str | None) -> list[Any]:
    if value is None:
        return [
            NoteOp(
                f"No value was given for existing rows of {table}.{column.name}: the next "
                "step fails if the table has rows when this runs."
            )
        ]
    return [FillNullsOp(table, column.name, value, column.type, schema)]


def _dropped_like(container: ops.ModifyTableOps, column: sa.Column[Any]) -> tuple[str, ...]:
    """Columns dropped beside *column* that it may be the renamed form of."""
    return tuple(
        op.column_name for op in container.ops
        if isinstance(op, ops.DropColumnOp) and family(op.to_column().type) == family(column.type)
    )


def _split_add(
    container: ops.ModifyTableOps, connection: Any, decisions: Decisions, dialect: Any
) -> list[Any]:
    """The container, then fills and NOT NULL steps for its required new columns."""
    before: list[Any] = []
    after: list[Any] = []
    table, schema = container.table_name, container.schema
    for op in container.ops:
        if isinstance(op, ops.AddColumnOp) and _needs_value(op.column):
            column = op.column
            rows = _count(connection, table, schema)
            value = _ask(decisions, table, column, rows, dialect, _dropped_like(container, column))
            nullable = copied_column(column)
            nullable.nullable = True
            op.column = nullable
            after += [*_fill_steps(table, column, value, schema), _not_null(table, column, schema)]
        elif isinstance(op, ops.AlterColumnOp) and op.modify_nullable is False:
            rows = _count(connection, table, schema, null_in=op.column_name)
            if not rows and (table, op.column_name) not in decisions.fill_values:
                continue
            column = sa.Column(op.column_name, op.existing_type or sa.String())
            value = _ask(decisions, table, column, rows, dialect)
            if value is not None:
                # The rows are filled before the container makes the column NOT NULL.
                before.append(FillNullsOp(table, op.column_name, value, op.existing_type, schema))
    return [*before, container, *after]


def apply_required(upgrade: ops.UpgradeOps, connection: Any, decisions: Decisions,
                   dialect: Any) -> None:
    """Rewrite required columns in *upgrade* into add, fill, then NOT NULL."""
    rewritten: list[Any] = []
    for op in upgrade.ops:
        if isinstance(op, ops.ModifyTableOps):
            rewritten += _split_add(op, connection, decisions, dialect)
        else:
            rewritten.append(op)
    upgrade.ops[:] = rewritten
