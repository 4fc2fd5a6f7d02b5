"""What a table copy by ``pt-online-schema-change`` leaves when it is stopped, and its removal.

pt-online-schema-change (pt-osc) alters a copy of the table: it creates the
shadow table ``_<table>_new`` (more leading underscores when that name is
taken), alters it, installs three triggers on the original
(``pt_osc_<db>_<table>_ins``/``_upd``/``_del``) that repeat every write there,
copies the rows in chunks, then swaps the two tables with one atomic
``RENAME TABLE`` and drops the old one (``_<table>_old``) and the triggers.

Stopped by an error, it removes its triggers and shadow table itself; killed
(SIGKILL, a lost machine), it cannot. The triggers then keep writing every
change of the table into a shadow table nobody reads, and the next run of
pt-osc on that table refuses to start. :func:`remove_leftovers` takes them
away. It never touches the table itself: until the swap, the original table
has every row (the shadow is a copy); after it, the table is the altered copy,
and ``_<table>_old`` is the pre-swap original pt-osc would have dropped next.

Only call it when no pt-osc still works on the table: the runner calls it on a
failure of its own run (the program has exited), and, for a run that died,
from the next ``upgrade`` under the deploy lock (the program dies with the
process that started it, see :mod:`flask_remodel.online.ptosc`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine

TRIGGER_PREFIX = "pt_osc_"

MARK = "/* through pt-online-schema-change */"
"""Ends the ledger entry of an ALTER that pt-osc ran (see :func:`entry_for`)."""

_TABLE_OF_ENTRY = re.compile(
    r"ALTER\s+TABLE\s+(?:(`(?:[^`]|``)+`|[\w$]+)\s*\.\s*)?(`(?:[^`]|``)+`|[\w$]+)", re.I
)


@dataclass(frozen=True)
class Leftovers:
    """What a stopped pt-osc run left on one table."""

    schema: str
    table: str
    triggers: tuple[str, ...]
    shadow_tables: tuple[str, ...]
    old_tables: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.triggers or self.shadow_tables or self.old_tables)

    def describe(self) -> str:
        names = [*self.triggers, *self.shadow_tables, *self.old_tables]
        return f"{len(names)} object(s) on `{self.schema}`.`{self.table}`: " + ", ".join(names)


def entry_for(alter: str) -> str:
    """The ledger entry of *alter* (``ALTER TABLE t <clause>``) run through pt-osc."""
    return f"{alter} {MARK}"


def table_of_entry(entry: str) -> tuple[str | None, str] | None:
    """``(schema, table)`` of a pt-osc ledger entry, or None for any other entry."""
    sql = entry.split("\n-- remodel: ", 1)[0]
    if MARK not in sql:
        return None
    found = _TABLE_OF_ENTRY.match(sql.strip())
    if found is None:
        return None
    schema, table = (_unquoted(g) if g else None for g in found.groups())
    assert table is not None
    return schema, table


_IN_PLACE = re.compile(r",\s*ALGORITHM\s*=\s*INPLACE\s*,\s*LOCK\s*=\s*NONE\s*$", re.I)


def _table_and_clause(sql: str) -> tuple[str, str] | None:
    found = _TABLE_OF_ENTRY.match(sql.strip())
    if found is None:
        return None
    return _unquoted(found.group(2)), " ".join(sql.strip()[found.end():].split())


def is_in_place_form(entry_sql: str, sent: str) -> bool:
    """Whether *sent* is the in-place ALTER that pt-osc ran as *entry_sql* (its ledger entry).

    A resumed revision (:mod:`.resume`) sends the in-place form first, as it
    did before the server refused it; when the record lists the copy as
    committed, that statement is the one to skip.
    """
    if MARK not in entry_sql or _IN_PLACE.search(sent) is None:
        return False
    done = _table_and_clause(entry_sql.replace(MARK, ""))
    asked = _table_and_clause(_IN_PLACE.sub("", sent))
    return done is not None and done == asked


def _unquoted(name: str) -> str:
    if name.startswith("`") and name.endswith("`"):
        return name[1:-1].replace("``", "`")
    return name


def _quoted(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def find_leftovers(bind: Engine | Connection, schema: str | None, table: str) -> Leftovers:
    """The triggers and shadow/old tables a pt-osc run on *table* left (none: empty)."""
    with _connected(bind) as conn:
        db = schema or str(conn.execute(sa.text("SELECT DATABASE()")).scalar())
        triggers = tuple(
            str(name) for (name,) in conn.execute(
                sa.text(
                    "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS"
                    " WHERE EVENT_OBJECT_SCHEMA = :db AND TRIGGER_NAME LIKE 'pt\\_osc\\_%'"
                    " AND EVENT_OBJECT_TABLE IN (:table, :old)"
                ),
                {"db": db, "table": table, "old": f"_{table}_old"},
            )
        )
        names = [
            str(name) for (name,) in conn.execute(
                sa.text(
                    "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = :db"
                ),
                {"db": db},
            )
        ]
    shadow = re.compile(rf"_+{re.escape(table)}_new")
    old = re.compile(rf"_+{re.escape(table)}_old")
    present = table in names
    return Leftovers(
        db, table, triggers,
        tuple(n for n in names if shadow.fullmatch(n)) if present else (),
        # Only next to the table itself: then the swap happened and this is the original.
        tuple(n for n in names if old.fullmatch(n)) if present else (),
    )


def remove_leftovers(bind: Engine | Connection, schema: str | None, table: str) -> Leftovers:
    """Drop what a stopped pt-osc run left on *table*; returns what was dropped.

    Triggers first, so that no write to the table reaches a shadow table
    while it is dropped. The table itself is never dropped.
    """
    found = find_leftovers(bind, schema, table)
    if not found:
        return found
    db = _quoted(found.schema)
    with _connected(bind) as conn:
        for trigger in found.triggers:
            conn.execute(sa.text(f"DROP TRIGGER IF EXISTS {db}.{_quoted(trigger)}"))
        for name in (*found.shadow_tables, *found.old_tables):
            conn.execute(sa.text(f"DROP TABLE IF EXISTS {db}.{_quoted(name)}"))
    return found


class _connected:
    """A connection of *bind*'s: the one given, or a new one from an engine (autocommit)."""

    def __init__(self, bind: Engine | Connection) -> None:
        self.bind = bind
        self.opened: Connection | None = None

    def __enter__(self) -> Connection:
        if isinstance(self.bind, Connection):
            return self.bind
        self.opened = self.bind.connect().execution_options(isolation_level="AUTOCOMMIT")
        return self.opened

    def __exit__(self, *exc: object) -> None:
        if self.opened is not None:
            self.opened.close()
