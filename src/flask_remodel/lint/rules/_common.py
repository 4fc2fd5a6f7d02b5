"""Facts the rules share: lock names, default volatility and type changes per database."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from ..context import LintContext
from ..model import Target

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


def _kind(type_: Any) -> str:
    if _is(type_, sa.Enum):
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
    ok, nk = _kind(old), _kind(new)
    if ok == "string" and nk == "string" and not _is(old, sa.Enum) and not _is(new, sa.Enum):
        o, n = _length(old), _length(new)
        if n is not None and (o is None or n < o):
            return "narrowing"
        if _is(old, sa.CHAR) or _is(new, sa.CHAR):
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
    if ok == "string" and nk != "string":
        return "rewrite"
    return "rewrite"


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
    if old is None or isinstance(old, sa.types.NullType):
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
    """The columns (as text) a unique constraint/index adds to an existing table, else None."""
    from alembic.operations import ops

    if isinstance(op, ops.CreateIndexOp) and not op.unique:
        return None
    if ctx.created_here(op.table_name):
        return None
    return ", ".join(str(c) for c in op.columns)


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
