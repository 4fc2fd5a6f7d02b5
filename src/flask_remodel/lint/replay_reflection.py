"""``sa.inspect(op.get_bind())`` during the offline replay, answered from the replayed schema.

The replay's connection (:mod:`.replay_bind`) has a dialect with these
reflection methods in front of the target's own, so SQLAlchemy's
``Inspector`` (``has_table``, ``get_table_names``, ``get_columns``,
``get_indexes``, ``has_index``, ``get_unique_constraints``) reads the schema
the revisions before have built, as it stands at that line. The answer is
the one the database would give only where the replay knows it exactly:

* which tables exist, unless a statement the linter could not read ran
  (it may have created or dropped any);
* a table's columns and indexes, when the replay created the table (not a
  table the history changes without creating, or one made by raw SQL);
* names the database gives unnamed unique constraints, on PostgreSQL and
  MariaDB/MySQL, by their rules.

Anything else (foreign keys, primary keys, checks, sequences, views, other
schemas, the indexes MariaDB/MySQL adds for foreign keys by itself) raises
:exc:`NotKnownOffline`, and the revision stops there (RM002): the
reflection methods not defined here reach the database's catalog, which the
stand-in cursor refuses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from .schema import Schema
from .schema import TableState

_POSTGRESQL_NAME_LIMIT = 63


class NotKnownOffline(Exception):
    """The revision asked what only the live database can answer."""


class SchemaReflection:
    """Dialect reflection methods that read the replayed schema instead of a catalog."""

    name: str
    replay_schema: Callable[[], Schema]
    replay_version_table: str

    def _replayed(self, schema: str | None) -> Schema:
        if schema is not None:
            raise NotKnownOffline(f"the replay knows the default schema only, not {schema!r}")
        return self.replay_schema()

    def _known_table(self, table_name: str, schema: str | None) -> TableState:
        replayed = self._replayed(schema)
        table = replayed.tables.get(table_name)
        if table is not None:
            if not table.columns_known:
                raise NotKnownOffline(
                    f"table {table_name} was not created by the revisions replayed (or by SQL "
                    "the linter read), so its columns and indexes are not known"
                )
            return table
        if replayed.opaque or table_name == self.replay_version_table:
            raise NotKnownOffline(f"the columns of {table_name} are not known offline")
        raise sa.exc.NoSuchTableError(table_name)  # what the database says

    def has_table(
        self, connection: Any, table_name: str, schema: str | None = None, **kw: Any
    ) -> bool:
        replayed = self._replayed(schema)
        if table_name in replayed.tables or table_name == self.replay_version_table:
            return True
        if replayed.opaque:
            raise NotKnownOffline(
                "a statement the linter could not read ran before: which tables exist "
                "is not known"
            )
        return False

    def get_table_names(self, connection: Any, schema: str | None = None, **kw: Any) -> list[str]:
        replayed = self._replayed(schema)
        if replayed.opaque:
            raise NotKnownOffline(
                "a statement the linter could not read ran before: which tables exist "
                "is not known"
            )
        return sorted({*replayed.tables, self.replay_version_table})

    def get_columns(
        self, connection: Any, table_name: str, schema: str | None = None, **kw: Any
    ) -> list[dict[str, Any]]:
        table = self._known_table(table_name, schema)
        found = []
        for column in table.columns.values():
            if column.type is None:
                raise NotKnownOffline(f"the type of {table_name}.{column.name} is not known")
            found.append(
                {
                    "name": column.name,
                    "type": column.type,
                    "nullable": column.nullable is not False,
                    "default": _default_text(column.server_default),
                }
            )
        return found

    def has_type(
        self, connection: Any, type_name: str, schema: str | None = None, **kw: Any
    ) -> bool:
        replayed = self._replayed(schema)
        if type_name in replayed.enum_types:
            return True
        if replayed.opaque:
            raise NotKnownOffline(f"whether type {type_name} exists is not known offline")
        return False

    def get_unique_constraints(
        self, connection: Any, table_name: str, schema: str | None = None, **kw: Any
    ) -> list[dict[str, Any]]:
        table = self._known_table(table_name, schema)
        return [
            {"name": name, "column_names": list(columns)}
            for name, columns in self._uniques(table).items()
        ]

    def get_indexes(
        self, connection: Any, table_name: str, schema: str | None = None, **kw: Any
    ) -> list[dict[str, Any]]:
        table = self._known_table(table_name, schema)
        replayed = self.replay_schema()
        mysql = self.name in ("mysql", "mariadb")
        if mysql and any(fk.table == table_name for fk in replayed.foreign_keys.values()):
            raise NotKnownOffline(
                f"{self.name} indexes the foreign keys of {table_name} itself, under names "
                "the replay does not know"
            )
        found = [
            {"name": name, "column_names": list(columns), "unique": unique}
            for name, (on, columns, unique) in replayed.indexes.items()
            if on == table_name
        ]
        if self.name != "sqlite":  # SQLite lists its unique constraints' indexes apart
            for name, columns in self._uniques(table).items():
                entry: dict[str, Any] = {"name": name, "column_names": list(columns)}
                entry["unique"] = True
                if not mysql:
                    entry["duplicates_constraint"] = name
                found.append(entry)
        return found

    def _uniques(self, table: TableState) -> dict[str | None, tuple[str, ...]]:
        """Every unique constraint of *table* by the name the database has for it."""
        found: dict[str | None, tuple[str, ...]] = {n: c for n, c in table.uniques.items()}
        for columns in table.unnamed_uniques:
            name = self._unique_name(table, columns, found)
            found[name] = columns
        return found

    def _unique_name(
        self, table: TableState, columns: tuple[str, ...], taken: dict[str | None, Any]
    ) -> str | None:
        if self.name == "sqlite":
            return None  # SQLite keeps no name for it, and reflects none
        if self.name == "postgresql":
            name = f"{table.name}_{'_'.join(columns)}_key"
            if len(name) <= _POSTGRESQL_NAME_LIMIT and name not in taken:
                return name
        elif columns and columns[0] not in taken:
            return columns[0]  # MariaDB/MySQL name it after its first column
        raise NotKnownOffline(
            f"the name {self.name} gave the unique constraint on {table.name} "
            f"({', '.join(columns)}) is not known offline"
        )


def _not_known(what: str) -> Callable[..., Any]:
    def reflect(self: Any, connection: Any, *args: Any, **kw: Any) -> Any:
        raise NotKnownOffline(f"{what} are not known offline: the replay does not keep them")

    return reflect


# Answered by the database's catalog only. Named here so that the message says what was
# asked, not where the target's own method stumbled first without a live connection.
for _method, _what in (
    ("get_foreign_keys", "foreign keys"),
    ("get_pk_constraint", "primary key constraints"),
    ("get_check_constraints", "check constraints"),
    ("get_sequence_names", "sequences"),
    ("has_sequence", "sequences"),
    ("get_view_names", "views"),
    ("get_materialized_view_names", "views"),
    ("get_view_definition", "views"),
    ("get_temp_table_names", "temporary tables"),
    ("get_temp_view_names", "temporary views"),
    ("get_table_comment", "table comments"),
    ("get_table_options", "table options"),
    ("get_schema_names", "schemas"),
    ("has_schema", "schemas"),
):
    setattr(SchemaReflection, _method, _not_known(_what))


def _default_text(default: Any) -> str | None:
    """A server default as reflection shows it (its SQL text), as far as the replay knows it."""
    if default is None:
        return None
    argument = getattr(default, "arg", default)
    text = getattr(argument, "text", argument)
    return text if isinstance(text, str) else str(text)
