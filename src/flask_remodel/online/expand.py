"""Expand/contract: change a column's type, or rename it, while old and new code run.

``op.expand_column(table, column, new_column, type_)`` adds ``new_column``
(nullable) next to ``column``, installs triggers that keep the two equal
whichever one a statement writes (PostgreSQL: a PL/pgSQL function; MariaDB:
BEFORE INSERT/UPDATE triggers; SQLite: AFTER triggers copying old to new),
then copies the existing rows over with :mod:`op.backfill <.backfill>`, in
batches outside one long transaction. With ``nullable=False`` the new column
is then made NOT NULL online.

``op.contract_column(table, column, new_column)``, in a later revision once no
running code reads ``column``, drops the triggers and ``column``; with
``rename=True`` it then renames ``new_column`` to ``column``, in the same
transaction (PostgreSQL) or statement (MariaDB), so code that keeps using the
old name never misses it: that finishes a type change without any code change.

Indexes and constraints on ``column`` are not copied: create them on
``new_column`` (``op.create_index_online``) before contracting.
"""

from __future__ import annotations

import hashlib
from typing import Any

import sqlalchemy as sa
from alembic.operations import Operations
from alembic.operations import ops

from .backfill import BackfillOp
from .implementations import family
from .implementations import qualified
from .implementations import quote
from .implementations import run_sql
from .operations import SetNotNullOnlineOp


def sync_name(table: str, column: str, other: str) -> str:
    """The sync trigger's (and PostgreSQL function's) name for two columns of *table*.

    The same whichever of the two is named first, so the downgrade of an
    expansion finds the triggers as well as the contraction does.
    """
    pair = "|".join(sorted((column, other)))
    return f"remodel_sync_{table[:30]}_{hashlib.sha1(pair.encode()).hexdigest()[:8]}"


@Operations.register_operation("expand_column")
class ExpandColumnOp(ops.MigrateOperation):
    """Add *new_column* of *type_*, keep it in sync with *column*, copy the rows over."""

    def __init__(
        self, table_name: str, column_name: str, new_column_name: str, type_: Any, *,
        nullable: bool = True, batch_size: int = 1000, pause: float = 0.0,
        schema: str | None = None, existing_type: Any = None,
    ) -> None:
        self.table_name = table_name
        self.column_name = column_name
        self.new_column_name = new_column_name
        self.type_ = sa.types.to_instance(type_)
        self.nullable = nullable
        self.batch_size = batch_size
        self.pause = pause
        self.schema = schema
        self.existing_type = existing_type

    @classmethod
    def expand_column(
        cls, operations: Operations, table_name: str, column_name: str, new_column_name: str,
        type_: Any, *, nullable: bool = True, batch_size: int = 1000, pause: float = 0.0,
        schema: str | None = None, existing_type: Any = None,
    ) -> None:
        """The expand step of a type change or rename (see the module doc)."""
        operations.invoke(
            cls(table_name, column_name, new_column_name, type_, nullable=nullable,
                batch_size=batch_size, pause=pause, schema=schema, existing_type=existing_type)
        )

    def reverse(self) -> ContractColumnOp:
        # Undoing the expansion: drop the new column and the triggers, keep the old.
        return ContractColumnOp(
            self.table_name, self.new_column_name, self.column_name, schema=self.schema
        )


@Operations.register_operation("contract_column")
class ContractColumnOp(ops.MigrateOperation):
    """Drop the sync triggers and *column*; with *rename*, give *new_column* its name."""

    def __init__(
        self, table_name: str, column_name: str, new_column_name: str, *,
        rename: bool = False, schema: str | None = None,
    ) -> None:
        self.table_name = table_name
        self.column_name = column_name
        self.new_column_name = new_column_name
        self.rename = rename
        self.schema = schema

    @classmethod
    def contract_column(
        cls, operations: Operations, table_name: str, column_name: str, new_column_name: str,
        *, rename: bool = False, schema: str | None = None,
    ) -> None:
        """The contract step: see the module doc."""
        operations.invoke(
            cls(table_name, column_name, new_column_name, rename=rename, schema=schema)
        )


def _postgresql_triggers(operations: Operations, op: ExpandColumnOp) -> None:
    name = quote(operations, sync_name(op.table_name, op.column_name, op.new_column_name))
    old = quote(operations, op.column_name)
    new = quote(operations, op.new_column_name)
    new_type = op.type_.compile(dialect=operations.migration_context.dialect)
    to_new = f"CAST(NEW.{old} AS {new_type})"
    run_sql(
        operations,
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP = 'INSERT' THEN "
        f"IF NEW.{new} IS NULL THEN NEW.{new} := {to_new}; "
        f"ELSIF NEW.{old} IS NULL THEN NEW.{old} := NEW.{new}; END IF; "
        f"ELSIF NEW.{old} IS DISTINCT FROM OLD.{old} THEN NEW.{new} := {to_new}; "
        f"ELSIF NEW.{new} IS DISTINCT FROM OLD.{new} THEN NEW.{old} := NEW.{new}; "
        f"END IF; RETURN NEW; END $$",
    )
    table = qualified(operations, op.table_name, op.schema)
    run_sql(operations, f"DROP TRIGGER IF EXISTS {name} ON {table}")  # a run that stopped
    run_sql(
        operations,
        f"CREATE TRIGGER {name} BEFORE INSERT OR UPDATE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {name}()",
    )


def _mysql_triggers(operations: Operations, op: ExpandColumnOp) -> None:
    name = sync_name(op.table_name, op.column_name, op.new_column_name)
    table = qualified(operations, op.table_name, op.schema)
    old = quote(operations, op.column_name)
    new = quote(operations, op.new_column_name)
    run_sql(
        operations,
        f"CREATE OR REPLACE TRIGGER {quote(operations, name + '_i')} BEFORE INSERT ON {table} "
        "FOR EACH ROW "
        f"BEGIN IF NEW.{new} IS NULL THEN SET NEW.{new} = NEW.{old}; "
        f"ELSEIF NEW.{old} IS NULL THEN SET NEW.{old} = NEW.{new}; END IF; END",
    )
    run_sql(
        operations,
        f"CREATE OR REPLACE TRIGGER {quote(operations, name + '_u')} BEFORE UPDATE ON {table} "
        "FOR EACH ROW "
        f"BEGIN IF NOT (NEW.{old} <=> OLD.{old}) THEN SET NEW.{new} = NEW.{old}; "
        f"ELSEIF NOT (NEW.{new} <=> OLD.{new}) THEN SET NEW.{old} = NEW.{new}; END IF; END",
    )


def _sqlite_triggers(operations: Operations, op: ExpandColumnOp) -> None:
    # SQLite triggers cannot change NEW; they update the row after the write.
    name = sync_name(op.table_name, op.column_name, op.new_column_name)
    table = qualified(operations, op.table_name, op.schema)
    old = quote(operations, op.column_name)
    new = quote(operations, op.new_column_name)
    for suffix, event in (("_i", "INSERT"), ("_u", f"UPDATE OF {old}")):
        run_sql(
            operations,
            f"CREATE TRIGGER IF NOT EXISTS {quote(operations, name + suffix)} AFTER {event} "
            f"ON {table} "
            f"FOR EACH ROW BEGIN UPDATE {table} SET {new} = NEW.{old} "
            f"WHERE rowid = NEW.rowid; END",
        )


_TRIGGERS = {"postgresql": _postgresql_triggers, "mysql": _mysql_triggers}


@Operations.implementation_for(ExpandColumnOp)
def _expand(operations: Operations, op: ExpandColumnOp) -> None:
    kind = family(operations)
    if kind == "other":
        # SQLite runs the whole revision in one transaction: a failed run left nothing.
        operations.add_column(
            op.table_name, sa.Column(op.new_column_name, op.type_, nullable=True),
            schema=op.schema,
        )
    else:
        # The backfill commits as it goes, so a run that stopped left the
        # column and triggers behind; the next run reuses them.
        column_type = op.type_.compile(dialect=operations.migration_context.dialect)
        in_place = ", ALGORITHM=INPLACE, LOCK=NONE" if kind == "mysql" else ""
        run_sql(
            operations,
            f"ALTER TABLE {qualified(operations, op.table_name, op.schema)} ADD COLUMN IF NOT "
            f"EXISTS {quote(operations, op.new_column_name)} {column_type}{in_place}",
        )
    _TRIGGERS.get(kind, _sqlite_triggers)(operations, op)
    old = quote(operations, op.column_name)
    new = quote(operations, op.new_column_name)
    copy = old
    if kind == "postgresql":
        dialect = operations.migration_context.dialect
        copy = f"CAST({old} AS {op.type_.compile(dialect=dialect)})"
    operations.invoke(
        BackfillOp(
            op.table_name, {op.new_column_name: copy},
            where=f"{new} IS NULL AND {old} IS NOT NULL", batch_size=op.batch_size,
            pause=op.pause, schema=op.schema,
        )
    )
    if not op.nullable:
        operations.invoke(
            SetNotNullOnlineOp(
                op.table_name, op.new_column_name, existing_type=op.type_, schema=op.schema
            )
        )


def _drop_triggers(operations: Operations, op: ContractColumnOp) -> None:
    name = sync_name(op.table_name, op.column_name, op.new_column_name)
    table = qualified(operations, op.table_name, op.schema)
    if family(operations) == "postgresql":
        run_sql(operations, f"DROP TRIGGER IF EXISTS {quote(operations, name)} ON {table}")
        run_sql(operations, f"DROP FUNCTION IF EXISTS {quote(operations, name)}()")
        return
    for suffix in ("_i", "_u"):
        run_sql(operations, f"DROP TRIGGER IF EXISTS {quote(operations, name + suffix)}")


@Operations.implementation_for(ContractColumnOp)
def _contract(operations: Operations, op: ContractColumnOp) -> None:
    _drop_triggers(operations, op)
    table = qualified(operations, op.table_name, op.schema)
    old = quote(operations, op.column_name)
    new = quote(operations, op.new_column_name)
    if family(operations) == "mysql":
        # One statement: code using the old name never finds it missing.
        rename = f", RENAME COLUMN {new} TO {old}" if op.rename else ""
        run_sql(
            operations,
            f"ALTER TABLE {table} DROP COLUMN {old}{rename}, ALGORITHM=INPLACE, LOCK=NONE",
        )
        return
    operations.drop_column(op.table_name, op.column_name, schema=op.schema)
    if op.rename:
        operations.alter_column(
            op.table_name, op.new_column_name, new_column_name=op.column_name, schema=op.schema
        )
