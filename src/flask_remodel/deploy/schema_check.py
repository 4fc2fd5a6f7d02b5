"""Whether a DDL statement took effect, read from the schema as it is now.

A process killed while the server ran a DDL statement (MariaDB/MySQL, where
each commits by itself) cannot say whether it completed: the server may
finish it after the client is gone. Its ledger row marks the statement as in
flight (:mod:`.committed`), and whoever finds the row asks the schema
instead: a column, index or table the statement adds is there, or one it
drops is gone. Each such statement is atomic on those servers, so the first
thing it names tells for the whole statement.

Only the statements Alembic's operations send for those objects are
recognised, and ``ALTER TABLE ... MODIFY column <type> [NOT NULL]`` (what
``op.alter_column_type_online`` runs, perhaps through pt-online-schema-change),
whose column shows the type and nullability it asks for once it took effect;
anything else (a data change) is unknown, and the ledger says so instead of
guessing.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine
from sqlalchemy.engine.reflection import Inspector

_NAME = r"(?:`(?:[^`]|``)+`|\"(?:[^\"]|\"\")+\"|[\w$]+)"
_QUALIFIED = rf"(?:{_NAME}\s*\.\s*)?({_NAME})"

Check = Callable[[Inspector, list[str]], bool]


def _columns(inspector: Inspector, table: str) -> set[str]:
    return {c["name"].lower() for c in inspector.get_columns(table)}


def _indexes(inspector: Inspector, table: str) -> set[str]:
    return {str(i["name"]).lower() for i in inspector.get_indexes(table)}


def _tables(inspector: Inspector) -> set[str]:
    return {t.lower() for t in inspector.get_table_names()}


_INTEGER_WIDTH = re.compile(r"^((?:tiny|small|medium|big)?int)\(\d+\)")
_TYPE_ENDS = re.compile(
    r"\s+(?:NOT\s+NULL|NULL|DEFAULT|CHARACTER|CHARSET|COLLATE|COMMENT|AUTO_INCREMENT|ON\s|"
    r"PRIMARY|UNIQUE|INVISIBLE|/\*)|\s*,|\s*$", re.I
)


def _column_type(text: str) -> str:
    """A column type as ``information_schema.COLUMNS.COLUMN_TYPE`` would say it, compared
    loosely: lower case, no spaces, no integer display width (MariaDB's ``bigint(20)``)."""
    return _INTEGER_WIDTH.sub(r"\1", "".join(text.lower().split()))


def _modified(inspector: Inspector, names: list[str]) -> bool:
    table, column, definition = names
    ends = _TYPE_ENDS.search(definition)
    wanted_type = _column_type(definition[: ends.start() if ends else len(definition)])
    query = sa.text(
        "SELECT COLUMN_TYPE, IS_NULLABLE FROM information_schema.COLUMNS"
        " WHERE TABLE_SCHEMA = DATABASE() AND LOWER(TABLE_NAME) = :table"
        " AND LOWER(COLUMN_NAME) = :column"
    )
    values = {"table": table, "column": column}
    bind = inspector.bind
    if isinstance(bind, Engine):
        with bind.connect() as connection:
            row = connection.execute(query, values).first()
    else:
        row = bind.execute(query, values).first()
    if row is None:
        raise sa.exc.NoSuchTableError(table)  # gone since: cannot tell
    if _column_type(str(row[0])) != wanted_type:
        return False
    upper = " ".join(definition.upper().split())
    if "NOT NULL" in upper:
        return str(row[1]).upper() == "NO"
    return True


# (pattern, what is true of the schema once the statement took effect)
_CHECKS: list[tuple[re.Pattern[str], Check]] = [
    (
        re.compile(rf"ALTER\s+TABLE\s+{_QUALIFIED}\s+ADD\s+(?:COLUMN\s+)?(?!INDEX|KEY|UNIQUE|"
                   rf"CONSTRAINT|PRIMARY|FOREIGN|CHECK|FULLTEXT|SPATIAL)"
                   rf"(?:IF\s+NOT\s+EXISTS\s+)?({_NAME})", re.I),
        lambda i, n: n[1] in _columns(i, n[0]),
    ),
    (
        re.compile(rf"ALTER\s+TABLE\s+{_QUALIFIED}\s+DROP\s+(?:COLUMN\s+)?(?!INDEX|KEY|"
                   rf"CONSTRAINT|PRIMARY|FOREIGN|CHECK)(?:IF\s+EXISTS\s+)?({_NAME})", re.I),
        lambda i, n: n[1] not in _columns(i, n[0]),
    ),
    (
        re.compile(rf"ALTER\s+TABLE\s+{_QUALIFIED}\s+MODIFY\s+(?:COLUMN\s+)?({_NAME})\s+(.+)",
                   re.I | re.S),
        _modified,
    ),
    (
        re.compile(rf"CREATE\s+(?:UNIQUE\s+|FULLTEXT\s+|SPATIAL\s+)?INDEX\s+"
                   rf"(?:IF\s+NOT\s+EXISTS\s+)?({_NAME})\s+ON\s+{_QUALIFIED}", re.I),
        lambda i, n: n[0] in _indexes(i, n[1]),
    ),
    (
        re.compile(rf"DROP\s+INDEX\s+(?:IF\s+EXISTS\s+)?({_NAME})\s+ON\s+{_QUALIFIED}", re.I),
        lambda i, n: n[0] not in _indexes(i, n[1]),
    ),
    (
        re.compile(rf"CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?{_QUALIFIED}", re.I),
        lambda i, n: n[0] in _tables(i),
    ),
    (
        re.compile(rf"DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?{_QUALIFIED}\s*$", re.I),
        lambda i, n: n[0] not in _tables(i),
    ),
    (
        re.compile(rf"(?:RENAME\s+TABLE\s+{_QUALIFIED}|ALTER\s+TABLE\s+{_QUALIFIED}\s+RENAME)"
                   rf"\s+(?:TO\s+|AS\s+)?{_QUALIFIED}\s*$", re.I),
        lambda i, n: n[2] in _tables(i) and (n[0] or n[1]) not in _tables(i),
    ),
]


def _unquoted(name: str) -> str:
    if name[:1] in "`\"" and name[-1:] == name[:1]:
        quote = name[0]
        name = name[1:-1].replace(quote * 2, quote)
    return name.lower()


def took_effect(bind: Engine | Connection, statement: str) -> bool | None:
    """True or False when the schema tells whether *statement* took effect; None when it
    cannot (a statement of another kind, or a table that a later change removed)."""
    sql = statement.strip().rstrip(";").strip()
    for pattern, check in _CHECKS:
        found = pattern.match(sql)
        if found is None:
            continue
        names = [_unquoted(group) if group else "" for group in found.groups()]
        try:
            return check(sa.inspect(bind), names)
        except sa.exc.NoSuchTableError:
            return None
    return None
