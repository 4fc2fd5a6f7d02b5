"""Facts the rules share: lock names, default volatility and type changes per database."""

from __future__ import annotations

import ast
import re
from typing import Any

import sqlalchemy as sa

from ..context import LintContext
from ..model import RecordedOp
from ..model import Target
from ..sqltext import SqlStatement
from ._types import ddl
from ._types import for_target
from ._types import same_on
from ._types import sqlite_affinity

PG_ACCESS_EXCLUSIVE = "ACCESS EXCLUSIVE on {table} (blocks reads and writes)"
PG_SHARE = "SHARE on {table} (blocks writes)"
PG_SHARE_ROW_EXCLUSIVE = "SHARE ROW EXCLUSIVE on {table} and {other} (blocks writes to both)"
MY_COPY = "ALGORITHM=COPY on {table} (writes blocked while the table is copied)"
MY_INPLACE = "ALGORITHM=INPLACE, LOCK=NONE on {table} (rebuild; reads and writes allowed)"
MY_INSTANT = "ALGORITHM=INSTANT on {table} (metadata lock only)"
LITE_RECREATE = "database write lock while {table} is copied into a new table (batch recreate)"
LITE_WRITE_LOCK = "database write lock for the whole statement"

_PG_VOLATILE = re.compile(
    r"gen_random_uuid|uuid_generate_v|random\s*\(|clock_timestamp|timeofday|nextval|"
    r"statement_timestamp|txid_current|uuid\s*\(\s*\)",
    re.I,
)
_MY_CONSTANT_TIME = re.compile(
    r"^\(?\s*(current_timestamp|now|localtimestamp)\s*(\(\s*\d*\s*\))?\s*\)?$", re.I
)


def default_text(default: Any) -> str | None:
    """The SQL text of a ``server_default`` (a str, ``sa.text``, a function, a DefaultClause)."""
    if default is None or default is False:
        return None
    arg = getattr(default, "arg", default)
    if isinstance(arg, str):
        return f"'{arg}'"
    text = getattr(arg, "text", None)
    if isinstance(text, str):
        return text
    name = getattr(arg, "name", None)
    if isinstance(arg, sa.sql.functions.FunctionElement) and name:
        return f"{name}()"
    return str(arg)


def is_literal(text: str) -> bool:
    return bool(re.match(r"^\(?\s*('([^']|'')*'|-?\d+(\.\d+)?|true|false|null)\s*\)?$", text, re.I))


def volatile_default(target: Target, text: str) -> bool:
    """Whether adding a column with this default rewrites or copies the table."""
    if target.family == "postgresql":
        return target.below(11) or bool(_PG_VOLATILE.search(text))
    if target.family == "mysql":
        return not is_literal(text) and not _MY_CONSTANT_TIME.match(text.strip())
    return False


def sqlite_refuses_default(text: str) -> bool:
    """SQLite's ALTER TABLE ADD COLUMN accepts only constant defaults."""
    return not is_literal(text)


def _length(type_: Any) -> int | None:
    return getattr(type_, "length", None)


def _is(type_: Any, *classes: type[Any]) -> bool:
    return isinstance(type_, classes)


def _int_rank(type_: Any) -> int | None:
    if _is(type_, sa.BigInteger):
        return 3
    if _is(type_, sa.SmallInteger):
        return 1
    if _is(type_, sa.Integer):
        return 2
    return None


def native_enum(type_: Any) -> bool:
    """An enum the database knows as one; ``native_enum=False`` is a VARCHAR to it."""
    return _is(type_, sa.Enum) and bool(getattr(type_, "native_enum", True))


def _kind(type_: Any) -> str:
    if native_enum(type_):
        return "enum"
    if _is(type_, sa.String):  # Text, CHAR, VARCHAR, Unicode all derive from String
        return "string"
    if _int_rank(type_) is not None:
        return "integer"
    if _is(type_, sa.Numeric):
        return "numeric"
    if _is(type_, sa.DateTime):
        return "datetime"
    return type(type_).__name__.lower()


def same_type(old: Any, new: Any) -> bool:
    return repr(old) == repr(new)


def enum_values(type_: Any) -> list[str]:
    return list(getattr(type_, "enums", []) or [])


def type_change(old: Any, new: Any, target: Target) -> str:
    """How *target* carries out ``old -> new``.

    ``same``, ``metadata`` (no rewrite; measured), ``rewrite`` (whole table
    rewritten or copied), ``narrowing`` (values can be cut or refused: RM305),
    or ``unknown`` (the previous type is not known).
    """
    if old is None or isinstance(old, sa.types.NullType):
        return "unknown"
    if same_type(old, new):
        return "same"
    old, new = for_target(old, target), for_target(new, target)
    # A PostgreSQL enum compiles to its name alone: its values are compared below.
    if not native_enum(old) and not native_enum(new) and same_on(old, new, target):
        return "same"
    ok, nk = _kind(old), _kind(new)
    if target.family == "sqlite" and ok == nk == "string":
        affinity = sqlite_affinity(old, target)
        if affinity is not None and affinity == sqlite_affinity(new, target):
            # SQLite stores strings as TEXT and enforces no length: a wider
            # VARCHAR changes no stored value. (Not INTEGER -> BIGINT: only an
            # INTEGER PRIMARY KEY is the rowid, so that one is a real change.)
            return "narrowing" if _narrows(old, new) else "metadata"
    if ok == "string" and nk == "string":
        o, n = _length(old), _length(new)
        if n is not None and (o is None or n < o):
            return "narrowing"
        if _fixed_width(old, target) or _fixed_width(new, target):
            # CHAR is stored padded to its length: any new length rewrites (measured:
            # CHAR(10) -> CHAR(20) on PostgreSQL 15 and, ALGORITHM=COPY, MariaDB 10.11).
            return "rewrite"
        if target.family == "postgresql":
            return "metadata"
        if target.family == "mysql":
            if o is not None and n is not None and not _is(new, sa.Text) and \
                    _instant_varchar(o, n):
                return "metadata"
            return "rewrite"
        return "rewrite"
    if ok == "integer" and nk == "integer":
        o_rank, n_rank = _int_rank(old), _int_rank(new)
        assert o_rank is not None and n_rank is not None
        return "narrowing" if n_rank < o_rank else "rewrite"
    if ok == "numeric" and nk == "numeric":
        op, os_ = getattr(old, "precision", None), getattr(old, "scale", None)
        np_, ns = getattr(new, "precision", None), getattr(new, "scale", None)
        if target.family == "postgresql" and not _is(old, sa.Float) and not _is(new, sa.Float):
            # NUMERIC without a precision is unconstrained (SQLAlchemy renders no scale
            # either). Measured on PostgreSQL 15: numeric(10,2) -> numeric keeps the
            # table, numeric -> numeric(12) rewrites it and rounds the values.
            if np_ is None:
                return "metadata"
            if op is None:
                return "narrowing"
        if op is not None and np_ is not None and (np_ < op or (ns or 0) < (os_ or 0)):
            return "narrowing"
        if (os_ or 0) == (ns or 0) and target.family == "postgresql":
            return "metadata"
        return "rewrite"
    if ok == "enum" and nk == "enum":
        old_values, new_values = enum_values(old), enum_values(new)
        if not set(old_values) <= set(new_values):
            return "narrowing"
        if target.family == "mysql" and new_values[: len(old_values)] == old_values:
            return "metadata"
        return "rewrite"
    return "rewrite"


def _fixed_width(type_: Any, target: Target) -> bool:
    """A CHAR/NCHAR column, told by its DDL: a driver's adaptation of ``sa.CHAR``
    (``for_target``) is a plain String class that still declares CHAR."""
    declared = ddl(type_, target) or ""
    return _is(type_, sa.CHAR) or bool(re.match(r"(NATIONAL )?N?CHAR(ACTER)?(\(|$)", declared))


def _narrows(old: Any, new: Any) -> bool:
    """A shorter string: values may no longer fit (RM305)."""
    o, n = _length(old), _length(new)
    return n is not None and (o is None or n < o)


def _instant_varchar(old: int, new: int, bytes_per_char: int = 4) -> bool:
    """Whether InnoDB widens VARCHAR(old) to VARCHAR(new) in place (utf8mb4 assumed).

    Values up to 127 bytes keep a 1-byte length prefix in every row format, and
    columns over 255 bytes already have the 2-byte form, so only a column of
    128-255 bytes growing past 255 is copied (MariaDB 10.11 via --verify:
    VARCHAR(20)->(100) INSTANT, (50)->(100) COPY, (50)->(60) INSTANT).
    """
    old_bytes, new_bytes = old * bytes_per_char, new * bytes_per_char
    return new_bytes <= 255 or old_bytes <= 127 or old_bytes > 255


def kind_changed(old: Any, new: Any) -> bool:
    # NullType on either side is a type not known (the new one: a raw ALTER COLUMN ...
    # TYPE naming a type the SQL reader cannot read, such as an enum made by raw SQL).
    if old is None or isinstance(old, sa.types.NullType) or isinstance(new, sa.types.NullType):
        return False
    return _kind(old) != _kind(new)


def rewrite_lock(ctx: LintContext, table: str) -> str:
    family = ctx.target.family
    if family == "postgresql":
        return PG_ACCESS_EXCLUSIVE.format(table=table)
    if family == "mysql":
        return MY_COPY.format(table=table)
    return LITE_RECREATE.format(table=table)


def new_uniqueness(op: Any, ctx: LintContext) -> str | None:
    """The columns (as text) a unique constraint/index adds to an existing table, else None.

    None too when one of the columns holds only NULLs: NULLs are never equal,
    so neither the rows there nor old code (which writes no value) can clash.
    """
    from alembic.operations import ops

    if isinstance(op, ops.CreateIndexOp) and not op.unique:
        return None
    if ctx.created_here(op.table_name):
        return None
    names = [str(c) for c in op.columns]
    if any(only_nulls(ctx, op.table_name, name) for name in names):
        return None
    if _unique_before(ctx, op.table_name, names):
        return None
    return ", ".join(names)


def _unique_before(ctx: LintContext, table: str, names: list[str]) -> bool:
    """Whether this revision dropped a unique index or constraint on the same columns.

    Autogenerate renames an indexed column by dropping its index and making it
    again under the new name: the values were unique already.
    """
    from alembic.operations import ops

    renamed = {
        r.operation.column_name: r.operation.modify_name
        for r in ctx.before()
        if isinstance(r.operation, ops.AlterColumnOp) and r.operation.table_name == table
        and r.operation.modify_name
    }
    return any(
        on == table and revision == ctx.revision
        and [renamed.get(c, c) for c in columns] == names
        for on, columns, revision in ctx.schema.dropped_uniques
    )


def only_nulls(ctx: LintContext, table: str, column: str) -> bool:
    """Whether *column* was added nullable in this revision, with no default, and not filled."""
    state = ctx.schema.column(table, column)
    if state is None or state.created_in != ctx.revision or state.nullable is False:
        return False
    if default_text(state.server_default) is not None:
        return False
    return not any(
        isinstance(r.operation, SqlStatement) and r.operation.kind == "dml"
        and r.operation.table == table
        and column in r.operation.details.get("sets", (column,))
        for r in ctx.before()
    )


def becomes_not_null(op: Any, ctx: LintContext) -> bool:
    """Whether an ``alter_column`` makes an existing, possibly-NULL column NOT NULL."""
    if op.modify_nullable is not False or ctx.created_here(op.table_name):
        return False
    _, nullable = ctx.existing(op)
    return nullable is not False


def kind_change_of(op: Any, ctx: LintContext) -> Any:
    """The previous type when an ``alter_column`` changes the kind of type, else None."""
    if op.modify_type is None or ctx.created_here(op.table_name):
        return None
    old, _ = ctx.existing(op)
    return old if kind_changed(old, op.modify_type) else None


def usual_lock(op: Any, ctx: LintContext) -> tuple[str, bool] | None:
    """(lock, rewrites) an operation takes when its rule did not say (measured, §2.4).

    Only for operations whose cost does not depend on their arguments; the
    rest are left to the rule that knows more.
    """
    from alembic.operations import ops

    table = getattr(op, "table_name", None)
    if not isinstance(table, str) or isinstance(op, ops.DropTableOp):
        return None
    family = ctx.target.family
    if family == "postgresql" and isinstance(
        op, (ops.AddColumnOp, ops.DropColumnOp, ops.AlterColumnOp, ops.RenameTableOp,
             ops.DropConstraintOp)
    ):
        return PG_ACCESS_EXCLUSIVE.format(table=table), False
    if family == "mysql" and isinstance(op, (ops.DropColumnOp, ops.RenameTableOp)):
        return MY_INSTANT.format(table=table), False
    if family == "sqlite":
        assert ctx.current is not None
        if ctx.current.batch_table is not None and not isinstance(op, ops.AddColumnOp):
            return LITE_RECREATE.format(table=table), True
        if isinstance(op, ops.DropColumnOp):
            return f"database write lock while {table} is rewritten", True
    return None


_ONLINE = "flask_remodel.online."


def issued_by_online(recorded: RecordedOp) -> bool:
    """Whether one of Flask-Remodel's online operations ran *recorded* for its own ends.

    Those guard their own statements (a concurrent index build first drops
    the INVALID index an interrupted one left; columns are added IF NOT
    EXISTS), so they are judged by what the outer operation does.
    """
    return any(type(outer).__module__.startswith(_ONLINE) for outer in recorded.issued_by)


def batched(recorded: RecordedOp) -> bool:
    """Whether *recorded* is the UPDATE of ``op.backfill``: rendered offline as one
    statement, run online in small committed batches outside the revision's transaction."""
    return any(
        type(outer).__name__ == "BackfillOp" and type(outer).__module__.startswith(_ONLINE)
        for outer in recorded.issued_by
    )


def fills_new_columns(recorded: RecordedOp, ctx: LintContext) -> bool:
    """Whether *recorded* is an UPDATE that only sets columns this revision added.

    Such a fill (what ``migrate --default`` writes between adding a column and
    making it NOT NULL) changes no data anything has read yet: it is part of
    the schema change, not a data migration.
    """
    statement = recorded.operation
    if not (isinstance(statement, SqlStatement) and statement.kind == "dml"
            and statement.details.get("verb") == "UPDATE"):
        return False
    columns = statement.details.get("sets") or ()
    return bool(columns) and all(ctx.new_column(statement.table, c) for c in columns)


def _literal_text(node: ast.expr) -> str | None:
    """The text of a string literal or f-string, each placeholder read as ``?``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            part.value if isinstance(part, ast.Constant) and isinstance(part.value, str) else "?"
            for part in node.values
        )
    return None


def filled_per_row(ctx: LintContext, table: str, column: str) -> bool:
    """The revision's code sets *column* of *table* with an ``UPDATE`` written inside a
    ``for`` loop: one statement per row it reads from the database.

    The replay has no rows, so that loop never ran there and :func:`filled_here` cannot
    see the fill; whether it reaches every row is the author's, as in a data migration
    that reads ids and updates them one by one."""
    if ctx.tree is None:
        return False
    updates = re.compile(
        rf'\bUPDATE\s+["`\[]?{re.escape(table)}["`\]]?\s+SET\b.*?(?:^|[\s,.])'
        rf"{_column_name(column)}\s*=",
        re.I | re.S,
    )
    # downgrade() fills nothing an upgrade needs.
    code = [n for n in ctx.tree.body if getattr(n, "name", None) != "downgrade"]
    loops = [n for top in code for n in ast.walk(top) if isinstance(n, (ast.For, ast.AsyncFor))]
    for loop in loops:
        for node in ast.walk(loop):
            text = _literal_text(node) if isinstance(node, ast.expr) else None
            if text is not None and updates.search(text):
                return True
    return False


def _column_name(column: str) -> str:
    """A pattern for *column* as SQL may write it: bare or quoted."""
    return rf'["`\[]?{re.escape(column)}["`\]]?'


def _updates_of(recorded: list[RecordedOp], table: str, column: str) -> list[str]:
    """The WHERE conditions ("" for none) of the recorded UPDATEs of *table* that set
    *column*."""
    sets = re.compile(rf"\bSET\b.*?(?:^|[\s,.]){_column_name(column)}\s*=", re.I | re.S)
    conditions = []
    for each in recorded:
        statement = each.operation
        if not (isinstance(statement, SqlStatement) and statement.kind == "dml"
                and statement.details.get("verb") == "UPDATE" and statement.table == table):
            continue
        parts = re.split(r"\bWHERE\b", statement.text, maxsplit=1, flags=re.I)
        if sets.search(parts[0]):
            conditions.append(parts[1].strip() if len(parts) > 1 else "")
    return conditions


def filled_here(ctx: LintContext, table: str, column: str) -> bool:
    """An earlier UPDATE of this revision sets *column* on every row where it is NULL."""
    # Only "WHERE col IS NULL" (qualified or quoted) or no WHERE at all fills every NULL.
    only_nulls = re.compile(
        rf'^(?:["`\[]?\w+["`\]]?\.)?{_column_name(column)}\s+IS\s+NULL\s*;?$', re.I
    )
    return any(not condition or only_nulls.match(condition)
               for condition in _updates_of(ctx.before(), table, column))


def set_later(ctx: LintContext, table: str, column: str) -> bool:
    """A later UPDATE of this revision sets *column* of *table* (on any rows)."""
    start = len(ctx.before()) + 1
    return bool(_updates_of(ctx.ops[start:], table, column))
