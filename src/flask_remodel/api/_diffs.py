"""One readable line per autogenerate difference, for ``check`` and ``flask db test``.

Alembic's diff tuples hold SQLAlchemy objects (``DefaultClause``, types,
constraints) whose ``str()`` is a repr such as ``DefaultClause(<...TextClause
object at 0x...>)``, plus a dict of the column's other settings that only
Alembic needs. Each difference is written as its kind (Alembic's name, so a
user can match it to the operation ``migrate`` would write), what it is on
(``table.column``) and, for a change, ``old -> new`` in SQL terms.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.schema import CheckConstraint
from sqlalchemy.schema import Column
from sqlalchemy.schema import Computed
from sqlalchemy.schema import Constraint
from sqlalchemy.schema import DefaultClause
from sqlalchemy.schema import FetchedValue
from sqlalchemy.schema import ForeignKeyConstraint
from sqlalchemy.schema import Identity
from sqlalchemy.schema import Index
from sqlalchemy.schema import Table
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.types import TypeEngine

_COLUMN_CHANGES = ("modify_type", "modify_nullable", "modify_default", "modify_comment")
_ADDRESS = re.compile(r"<(?:[\w.]+\.)?(\w+) object at 0x[0-9a-fA-F]+>")


def describe_diff(diff: object, dialect: Dialect | None = None) -> str:
    """One line for an autogenerate diff such as ``('add_column', None, 't', col)``.

    *dialect* is the database's, so types and defaults read as that database
    spells them (an Enum is ``ENUM('a','b')`` on MariaDB, not ``VARCHAR(1)``).
    """
    if isinstance(diff, list):  # column modifications come grouped
        return "; ".join(describe_diff(d, dialect) for d in diff)
    if not isinstance(diff, tuple) or not diff:
        return _text(diff, dialect)
    kind, *rest = diff
    kind = str(kind)
    try:
        return f"{kind} {_described(kind, rest, dialect)}".strip()
    except Exception:  # a shape we did not expect (a plugin's): still one readable line
        return f"{kind} {_generic(rest, dialect)}".strip()


def _described(kind: str, rest: list[Any], dialect: Dialect | None) -> str:
    if kind in _COLUMN_CHANGES and len(rest) == 6:
        schema, table, column, _, old, new = rest
        where = f"{_qualified(schema, table)}.{column}"
        if kind == "modify_type":
            return f"{where}: {_type(old, dialect)} -> {_type(new, dialect)}"
        if kind == "modify_nullable":
            return f"{where}: {_nullability(old)} -> {_nullability(new)}"
        if kind == "modify_default":
            return f"{where}: {_default(old, dialect)} -> {_default(new, dialect)}"
        return f"{where}: {_comment(old)} -> {_comment(new)}"
    if kind == "add_column" and len(rest) == 3 and isinstance(rest[2], Column):
        schema, table, column = rest
        return f"{_qualified(schema, table)}.{column.name} {_type(column.type, dialect)}"
    if kind == "remove_column" and len(rest) == 3 and isinstance(rest[2], Column):
        schema, table, column = rest
        return f"{_qualified(schema, table)}.{column.name}"
    if kind == "add_table_comment" and len(rest) == 2 and isinstance(rest[0], Table):
        table, old = rest
        return f"{_table(table)}: {_comment(old)} -> {_comment(table.comment)}"
    return _generic(rest, dialect)


def _generic(items: Iterable[Any], dialect: Dialect | None) -> str:
    # Dicts are the settings Alembic carries along (existing_type...); None is
    # the default schema. Neither says what differs.
    return " ".join(
        _text(item, dialect) for item in items if item is not None and not isinstance(item, dict)
    )


def _text(value: object, dialect: Dialect | None) -> str:
    if isinstance(value, Table):
        return _table(value)
    if isinstance(value, Index):
        return _index(value, dialect)
    if isinstance(value, Constraint):
        return _constraint(value, dialect)
    if isinstance(value, Column):
        return str(value.name)
    if isinstance(value, TypeEngine):
        return _type(value, dialect)
    if isinstance(value, FetchedValue):
        return _default(value, dialect)
    if isinstance(value, ClauseElement):
        return _sql(value, dialect)
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(_text(item, dialect) for item in value) + ")"
    if isinstance(value, str):
        return value
    return _ADDRESS.sub(r"<\1>", str(value))


def _qualified(schema: object, name: object) -> str:
    return f"{schema}.{name}" if schema else str(name)


def _table(table: Table) -> str:
    return _qualified(table.schema, table.name)


def _name(item: Any) -> str:
    name = getattr(item, "name", None)
    # A name left to the database is None or SQLAlchemy's _NONE_NAME symbol (not a str).
    return str(name) if isinstance(name, str) and name else "(unnamed)"


def _columns(names: Iterable[str]) -> str:
    return "(" + ", ".join(names) + ")"


def _index(index: Index, dialect: Dialect | None) -> str:
    parts = [
        str(getattr(expression, "name", None) or _sql(expression, dialect))
        for expression in index.expressions
    ]
    on = f" on {_table(index.table)}" if isinstance(index.table, Table) else ""
    unique = " unique" if index.unique else ""
    return f"{_name(index)}{on} {_columns(parts)}{unique}"


def _constraint(constraint: Constraint, dialect: Dialect | None) -> str:
    table = getattr(constraint, "table", None)
    on = f" on {_table(table)}" if isinstance(table, Table) else ""
    if isinstance(constraint, ForeignKeyConstraint):
        targets = [element.target_fullname for element in constraint.elements]
        referent = targets[0].rsplit(".", 1)[0] if targets else "?"
        return (
            f"{_name(constraint)}{on} {_columns(constraint.column_keys)} -> "
            f"{referent} {_columns(t.rsplit('.', 1)[-1] for t in targets)}"
        )
    if isinstance(constraint, CheckConstraint):
        return f"{_name(constraint)}{on} ({_sql(constraint.sqltext, dialect)})"
    columns = [str(column.name) for column in getattr(constraint, "columns", ())]
    return f"{_name(constraint)}{on} {_columns(columns)}"


def _type(type_: object, dialect: Dialect | None) -> str:
    if not isinstance(type_, TypeEngine):
        return "unknown" if type_ is None else _text(type_, None)
    # The database's own spelling first; a type its dialect cannot compile
    # (another database's, a custom one) falls back to the generic SQL, then
    # to the type's repr, which names it without an address.
    for attempt in (dialect, None):
        try:
            return str(type_.compile(dialect=attempt))
        except Exception:
            continue
    return repr(type_)


def _nullability(nullable: object) -> str:
    if nullable is None:
        return "unknown"
    return "NULL" if nullable else "NOT NULL"


def _comment(comment: object) -> str:
    return repr(comment) if isinstance(comment, str) else "none"


def _default(default: object, dialect: Dialect | None) -> str:
    """A server default as SQL (``'abc'``, ``now()``); ``none`` for no default."""
    if default is None or default is False:
        return "none"
    if isinstance(default, str):  # a default given as a plain string is a literal
        return repr(default)
    if isinstance(default, Computed):
        return f"computed ({_sql(default.sqltext, dialect)})"
    if isinstance(default, Identity):
        return "identity"
    if isinstance(default, DefaultClause):
        return _default(default.arg, dialect)
    if isinstance(default, ClauseElement):
        return _sql(default, dialect)
    if isinstance(default, FetchedValue):
        return "set by the database"
    return _text(default, dialect)


def _sql(element: Any, dialect: Dialect | None) -> str:
    if isinstance(element, TextClause):
        return str(element.text)
    if isinstance(element, str):
        return element
    try:
        return str(element.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    except Exception:
        return _ADDRESS.sub(r"<\1>", str(element))
