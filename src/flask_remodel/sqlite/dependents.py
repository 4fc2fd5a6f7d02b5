"""Triggers and views that depend on a table, kept working across its rebuild.

A rebuild drops the table, so SQLite drops the table's triggers with it, and
renames a copy into its place. SQLite checks neither a trigger's body nor a
view when they are created, so a trigger or view that names a column the
rebuild removed would only fail later, in the app. Here the table's triggers
are saved and put back, and every trigger or view that names the table is
compiled (``EXPLAIN``, nothing runs) so such a failure happens during the
migration, where it rolls back, with the object's name in the message.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from .errors import SQLiteRebuildError


@dataclass(frozen=True)
class SchemaObject:
    type: str  # "trigger" or "view"
    name: str
    table: str  # the table a trigger fires on; the view's own name for a view
    sql: str


@dataclass(frozen=True)
class Dependents:
    own_triggers: list[SchemaObject] = field(default_factory=list)
    """The table's triggers: dropped with it, created again after."""
    others: list[SchemaObject] = field(default_factory=list)
    """Views and other tables' triggers that name the table: kept, checked after."""


def _quote(connection: Connection, name: str) -> str:
    return connection.dialect.identifier_preparer.quote_identifier(name)


def _master(connection: Connection, schema: str | None) -> str:
    return f"{_quote(connection, schema)}.sqlite_master" if schema else "sqlite_master"


def _names(sql: str, name: str) -> bool:
    """Whether *sql* mentions *name* as an identifier (quoted or not), roughly."""
    pattern = rf"(?<![\w$])[\"`\[]?{re.escape(name)}[\"`\]]?(?![\w$])"
    return re.search(pattern, sql, re.IGNORECASE) is not None


def find_dependents(connection: Connection, table: str, schema: str | None) -> Dependents:
    rows = connection.exec_driver_sql(
        f"SELECT type, name, tbl_name, sql FROM {_master(connection, schema)} "
        "WHERE type IN ('trigger', 'view') AND sql IS NOT NULL ORDER BY rowid"
    ).fetchall()
    found = Dependents()
    for kind, name, on_table, sql in rows:
        item = SchemaObject(str(kind), str(name), str(on_table), str(sql))
        if kind == "trigger" and item.table.lower() == table.lower():
            found.own_triggers.append(item)
        elif _names(item.sql, table):  # a trigger may even share the table's name
            found.others.append(item)
    return found


@contextmanager
def renames_left_alone(connection: Connection) -> Iterator[None]:
    """Let the rebuild rename its copy into place without SQLite checking every view.

    Since SQLite 3.26 ``ALTER TABLE ... RENAME`` re-parses all views and
    triggers, and fails while one names the table the rebuild has just
    dropped. SQLite's table-change procedure uses the legacy behaviour; the
    views and triggers are checked by :func:`restore_dependents` instead.
    """
    before = connection.exec_driver_sql("PRAGMA legacy_alter_table").scalar()
    connection.exec_driver_sql("PRAGMA legacy_alter_table=ON")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA legacy_alter_table={'ON' if before else 'OFF'}")


def restore_dependents(
    connection: Connection, table: str, schema: str | None, dependents: Dependents
) -> None:
    """Create the table's triggers again, then check every dependent compiles."""
    for trigger in dependents.own_triggers:
        try:
            connection.exec_driver_sql(_in_schema(connection, trigger.sql, schema))
        except DBAPIError as exc:
            raise _no_longer_fits(trigger, table, exc) from exc
        _check(connection, trigger, table, schema)
    for item in dependents.others:
        _check(connection, item, table, schema)


_TRIGGER_HEAD = re.compile(
    r"^\s*CREATE\s+(?:TEMP\s+|TEMPORARY\s+)?TRIGGER\s+(?:IF\s+NOT\s+EXISTS\s+)?",
    re.IGNORECASE,
)


def _in_schema(connection: Connection, sql: str, schema: str | None) -> str:
    """*sql* creating its trigger in *schema*.

    SQLite keeps a trigger's text without the schema it was created in, so run as it is
    the text would create the trigger in ``main``, where the rebuilt table is not.
    """
    head = _TRIGGER_HEAD.match(sql)
    if schema is None or head is None:
        return sql
    return f"{head.group(0)}{_quote(connection, schema)}.{sql[head.end():]}"


def _no_longer_fits(item: SchemaObject, table: str, exc: Exception) -> SQLiteRebuildError:
    reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
    return SQLiteRebuildError(
        f"The {item.type} '{item.name}' no longer fits table '{table}' after the table was "
        f"rebuilt ({reason}). Drop or rewrite the {item.type} in the migration, before "
        f"the operation that changes '{table}'."
    )


def _check(connection: Connection, item: SchemaObject, table: str, schema: str | None) -> None:
    prefix = f"{_quote(connection, schema)}." if schema else ""
    if item.type == "view":
        statements = [f"EXPLAIN SELECT * FROM {prefix}{_quote(connection, item.name)}"]
    else:
        statements = _firing_statements(connection, item, table, prefix)
    for statement in statements:
        try:
            connection.exec_driver_sql(statement).fetchall()
        except DBAPIError as exc:
            raise _no_longer_fits(item, table, exc) from exc


def _columns(connection: Connection, table: str, prefix: str) -> list[str]:
    rows = connection.exec_driver_sql(
        f"PRAGMA {prefix}table_info({_quote(connection, table)})"
    ).fetchall()
    return [str(row[1]) for row in rows]


_UPDATE_OF = re.compile(r"\bUPDATE\s+OF\s+(.+?)\s+ON\s", re.IGNORECASE | re.DOTALL)


def _firing_statements(
    connection: Connection, trigger: SchemaObject, rebuilt: str, prefix: str
) -> list[str]:
    """Statements whose compilation compiles *trigger*'s body too.

    EXPLAIN builds the program, triggers included, and reports a missing
    table or column as an error; nothing is executed.
    """
    target = f"{prefix}{_quote(connection, trigger.table)}"
    columns = _columns(connection, trigger.table, prefix)
    listed = _UPDATE_OF.search(trigger.sql)
    if listed:
        # A trigger on UPDATE OF a column that is gone would simply never fire.
        known = {c.lower() for c in columns}
        for raw_name in listed.group(1).split(","):
            name = raw_name.strip().strip('"`[]')
            if name.lower() not in known:
                raise _no_longer_fits(trigger, rebuilt, ValueError(f"no such column: {name}"))
    assignments = ", ".join(f"{_quote(connection, c)} = {_quote(connection, c)}" for c in columns)
    return [
        f"EXPLAIN INSERT INTO {target} DEFAULT VALUES",
        f"EXPLAIN UPDATE {target} SET {assignments}",
        f"EXPLAIN DELETE FROM {target}",
    ]
