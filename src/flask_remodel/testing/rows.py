"""Generated rows that fit whatever tables the database has at a revision.

The tables are reflected (the models describe the head, not the revision the
database is at), filled parents first, and every value is derived from a
per-table counter plus a seeded random generator, so a run is repeatable:

* types: a value of the column's Python type, within its length, precision
  and enum values;
* nullability: in the second row of each batch every nullable column that is
  neither a key nor unique is NULL, because rows with NULLs are the ones a
  migration written against an empty dev database trips over;
* uniqueness: the counter never repeats within a table, so unique columns and
  primary keys stay distinct across batches;
* foreign keys: values are taken from rows already in the referenced table
  (NULL when it is empty and the column allows it, otherwise the table is
  skipped); auto-numbered primary keys are left to the database.

A table the generator cannot fill (an unknown type on a NOT NULL column, a
CHECK constraint the values break) is skipped with the reason, not failed:
the rows exist to test the migrations, not the generator.
"""

from __future__ import annotations

import datetime
import decimal
import random
import uuid
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..dialects import dialect_for
from .schema import reflect

_EPOCH = datetime.datetime(2001, 2, 3, 4, 5, 6)


@dataclass
class SeedResult:
    """Rows inserted per table, and the tables left empty with the reason."""

    inserted: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)


class _Unfillable(Exception):
    """A NOT NULL column the generator has no value for."""


def _auto_numbered(table: sa.Table, column: sa.Column[Any], dialect: str) -> bool:
    if list(table.primary_key.columns) != [column] or column.foreign_keys:
        return False
    if not isinstance(column.type, sa.Integer):
        return False
    if dialect_for(dialect).integer_primary_key_numbers_itself:
        return True  # SQLite: INTEGER PRIMARY KEY is the rowid
    return (
        column.autoincrement is True
        or column.server_default is not None
        or getattr(column, "identity", None) is not None
    )


def _unique_columns(table: sa.Table) -> set[str]:
    names: set[str] = set()
    for constraint in table.constraints:
        if isinstance(constraint, (sa.UniqueConstraint, sa.PrimaryKeyConstraint)):
            names.update(c.name for c in constraint.columns)
    for index in table.indexes:
        if index.unique:
            names.update(c.name for c in index.columns if isinstance(c, sa.Column))
    return names


def _python_type(type_: Any) -> type[Any] | None:
    try:
        found: type[Any] = type_.python_type
    except (NotImplementedError, AttributeError):
        return None
    return found


def _integer_limit(type_: Any) -> int:
    name = type(type_).__name__.upper()
    if "TINY" in name:
        return 120
    if "SMALL" in name:
        return 30000
    return 2_000_000_000


def value_for(column: sa.Column[Any], n: int, rng: random.Random) -> Any:
    """A value for *column* in the *n*-th row of its table (never repeats for one table)."""
    type_ = column.type
    enums = getattr(type_, "enums", None)
    if enums:
        return enums[n % len(enums)]
    kind = _python_type(type_)
    if kind is bool or isinstance(type_, sa.Boolean):
        return n % 2 == 0
    if kind is int or isinstance(type_, sa.Integer):
        return n % _integer_limit(type_) + 1
    if kind is decimal.Decimal or isinstance(type_, sa.Numeric):
        precision = getattr(type_, "precision", None) or 10
        scale = getattr(type_, "scale", None) or 0
        whole = n % (10 ** max(precision - scale, 1))
        tenths = decimal.Decimal(rng.randint(0, 9)) / 10 if scale else decimal.Decimal(0)
        number = decimal.Decimal(whole) + tenths
        return float(number) if kind is float else number
    if kind is float:
        return n + 0.5
    if kind is str:
        length = getattr(type_, "length", None)
        text = f"{column.name[:6]}-{n}-{rng.randrange(36 ** 3):03x}"
        return text[-length:] if length else text
    if kind is bytes:
        return f"{n}".encode()
    if kind is datetime.datetime:
        moment = _EPOCH + datetime.timedelta(days=n, seconds=rng.randint(0, 86399))
        if getattr(type_, "timezone", False):
            return moment.replace(tzinfo=datetime.timezone.utc)
        return moment
    if kind is datetime.date:
        return (_EPOCH + datetime.timedelta(days=n)).date()
    if kind is datetime.time:
        return datetime.time(n % 24, rng.randint(0, 59))
    if kind is datetime.timedelta:
        return datetime.timedelta(seconds=n)
    if kind is uuid.UUID:
        return uuid.UUID(int=rng.getrandbits(128))
    if kind in (dict, list):
        return {"n": n}
    raise _Unfillable(f"no value for column {column.name} of type {type_}")


@dataclass
class RowGenerator:
    """Fills tables with rows; keep one per run so counters keep rows unique."""

    seed: int = 0
    rows_per_table: int = 3
    _counters: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def seed_database(
        self, connection: Connection, metadata: sa.MetaData | None = None
    ) -> SeedResult:
        """Insert rows into every table *connection*'s database has, parents first.

        :param metadata: the tables as reflected just before, to save reflecting again.
        """
        metadata = reflect(connection) if metadata is None else metadata
        result = SeedResult()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # cycles between tables: sorted anyway
            tables = list(metadata.sorted_tables)
        for table in tables:
            try:
                rows = self.rows_for(connection, table)
                with connection.begin():
                    connection.execute(table.insert(), rows)
            except _Unfillable as exc:
                result.skipped[table.name] = str(exc)
                continue
            except sa.exc.DBAPIError as exc:
                reason = str(exc.orig or exc).strip().splitlines()
                result.skipped[table.name] = reason[0] if reason else type(exc).__name__
                continue
            result.inserted[table.name] = len(rows)
        return result

    def rows_for(self, connection: Connection, table: sa.Table) -> list[dict[str, Any]]:
        """Values for ``rows_per_table`` new rows of *table*."""
        dialect = connection.dialect.name
        unique = _unique_columns(table)
        parents = self._parent_values(connection, table)
        rows = []
        for i in range(self.rows_per_table):
            n = self._counters.get(table.name, 0) + 1
            self._counters[table.name] = n
            row: dict[str, Any] = {}
            for column in table.columns:
                if _auto_numbered(table, column, dialect):
                    continue
                if column.name in parents:
                    row[column.name] = self._parent_value(column, parents[column.name], i)
                elif column.nullable and i % 3 == 1 and column.name not in unique:
                    row[column.name] = None
                else:
                    try:
                        row[column.name] = value_for(column, n, self._rng)
                    except _Unfillable:
                        if not column.nullable:
                            raise
                        row[column.name] = None
            rows.append(row)
        return rows

    def _parent_value(self, column: sa.Column[Any], values: Sequence[Any], i: int) -> Any:
        if values:
            return values[i % len(values)]
        if column.nullable:
            return None
        raise _Unfillable(f"no rows to reference from column {column.name}")

    def _parent_values(self, connection: Connection, table: sa.Table) -> dict[str, list[Any]]:
        """For each foreign key column, the values the referenced rows hold.

        A table referencing itself gets the rows of earlier batches (none in the first).
        """
        found: dict[str, list[Any]] = {}
        for constraint in table.foreign_key_constraints:
            pairs = [(fk.parent.name, fk.column) for fk in constraint.elements]
            query = sa.select(*(col for _, col in pairs)).limit(self.rows_per_table * 4)
            with connection.begin():
                rows = connection.execute(query).all()
            for position, (name, _) in enumerate(pairs):
                found[name] = [row[position] for row in rows]
        return found


Keys = dict[str, tuple[tuple[str, ...], set[tuple[Any, ...]]]]
"""Per table: the primary key's column names, and every row's key."""


def primary_keys(connection: Connection, metadata: sa.MetaData) -> Keys:
    """The primary key of every row, per table with a primary key."""
    found: Keys = {}
    with connection.begin():
        for table in metadata.tables.values():
            columns = list(table.primary_key.columns)
            if columns:
                rows = {tuple(r) for r in connection.execute(sa.select(*columns))}
                found[table.name] = (tuple(c.name for c in columns), rows)
    return found
