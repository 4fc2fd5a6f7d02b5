"""The online operations, as Alembic operations: ``op.create_index_online(...)`` and friends.

Each is a :class:`~alembic.operations.ops.MigrateOperation` registered with
``Operations.register_operation``, so a revision script calls it as
``op.<name>(...)``, autogenerate can render it, and ``reverse()`` gives the
downgrade. What each sends to the database is in :mod:`.implementations`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from alembic.operations import Operations
from alembic.operations import ops


@Operations.register_operation("create_index_online")
class CreateIndexOnlineOp(ops.MigrateOperation):
    """Build an index without blocking writes.

    PostgreSQL: ``CREATE INDEX CONCURRENTLY`` outside the revision's
    transaction, after dropping an INVALID index of the same name that an
    earlier, interrupted build left. MariaDB/MySQL: ``ALGORITHM=INPLACE,
    LOCK=NONE``. SQLite: a plain ``CREATE INDEX``.
    """

    def __init__(
        self, index_name: str, table_name: str, columns: Sequence[str], *,
        unique: bool = False, schema: str | None = None, **kw: Any,
    ) -> None:
        self.index_name = index_name
        self.table_name = table_name
        self.columns = list(columns)
        self.unique = unique
        self.schema = schema
        self.kw = kw

    @classmethod
    def create_index_online(
        cls, operations: Operations, index_name: str, table_name: str, columns: Sequence[str],
        *, unique: bool = False, schema: str | None = None, **kw: Any,
    ) -> None:
        """Create an index without blocking writes (see :class:`CreateIndexOnlineOp`)."""
        operations.invoke(cls(index_name, table_name, columns, unique=unique, schema=schema, **kw))

    def reverse(self) -> DropIndexOnlineOp:
        return DropIndexOnlineOp(
            self.index_name, self.table_name, schema=self.schema, _reverse=self
        )


@Operations.register_operation("drop_index_online")
class DropIndexOnlineOp(ops.MigrateOperation):
    """Drop an index without blocking reads and writes (PostgreSQL ``CONCURRENTLY``)."""

    def __init__(
        self, index_name: str, table_name: str, *, schema: str | None = None,
        _reverse: CreateIndexOnlineOp | None = None,
    ) -> None:
        self.index_name = index_name
        self.table_name = table_name
        self.schema = schema
        self._reverse = _reverse

    @classmethod
    def drop_index_online(
        cls, operations: Operations, index_name: str, table_name: str, *,
        schema: str | None = None,
    ) -> None:
        """Drop an index without blocking (see :class:`DropIndexOnlineOp`)."""
        operations.invoke(cls(index_name, table_name, schema=schema))

    def reverse(self) -> CreateIndexOnlineOp:
        if self._reverse is None:
            raise ValueError("the index's columns are unknown, so it cannot be created again")
        return self._reverse


@Operations.register_operation("create_foreign_key_online")
class CreateForeignKeyOnlineOp(ops.MigrateOperation):
    """Add a foreign key without a long lock, then check the rows in a separate step.

    PostgreSQL: ``ADD CONSTRAINT ... NOT VALID`` (a brief lock), then
    ``VALIDATE CONSTRAINT`` in its own transaction, which lets reads and writes
    go on. MariaDB/MySQL: added in place with ``foreign_key_checks`` off, then
    the rows are checked by a query. Rows that break it: the constraint is
    removed again and :class:`~.errors.ConstraintValidationError` raised.
    """

    def __init__(
        self, constraint_name: str, source_table: str, referent_table: str,
        local_cols: Sequence[str], remote_cols: Sequence[str], *,
        ondelete: str | None = None, onupdate: str | None = None,
        source_schema: str | None = None, referent_schema: str | None = None,
    ) -> None:
        self.constraint_name = constraint_name
        self.source_table = source_table
        self.referent_table = referent_table
        self.local_cols = list(local_cols)
        self.remote_cols = list(remote_cols)
        self.ondelete = ondelete
        self.onupdate = onupdate
        self.source_schema = source_schema
        self.referent_schema = referent_schema

    @classmethod
    def create_foreign_key_online(
        cls, operations: Operations, constraint_name: str, source_table: str,
        referent_table: str, local_cols: Sequence[str], remote_cols: Sequence[str], *,
        ondelete: str | None = None, onupdate: str | None = None,
        source_schema: str | None = None, referent_schema: str | None = None,
    ) -> None:
        """Add a foreign key, validated separately (see :class:`CreateForeignKeyOnlineOp`)."""
        operations.invoke(
            cls(
                constraint_name, source_table, referent_table, local_cols, remote_cols,
                ondelete=ondelete, onupdate=onupdate, source_schema=source_schema,
                referent_schema=referent_schema,
            )
        )

    def reverse(self) -> ops.DropConstraintOp:
        return ops.DropConstraintOp(
            self.constraint_name, self.source_table, type_="foreignkey",
            schema=self.source_schema,
        )


@Operations.register_operation("create_check_constraint_online")
class CreateCheckConstraintOnlineOp(ops.MigrateOperation):
    """Add a CHECK constraint ``NOT VALID``, then validate it in a separate transaction.

    MariaDB/MySQL can only add a CHECK by copying the table: the ALTER asks
    for ``ALGORITHM=INPLACE`` and so fails at once with
    :class:`~.errors.TableCopyRefusedError` instead of blocking writes.
    """

    def __init__(
        self, constraint_name: str, table_name: str, condition: str, *,
        schema: str | None = None,
    ) -> None:
        self.constraint_name = constraint_name
        self.table_name = table_name
        self.condition = condition
        self.schema = schema

    @classmethod
    def create_check_constraint_online(
        cls, operations: Operations, constraint_name: str, table_name: str, condition: str,
        *, schema: str | None = None,
    ) -> None:
        """Add a CHECK constraint, validated separately."""
        operations.invoke(cls(constraint_name, table_name, condition, schema=schema))

    def reverse(self) -> ops.DropConstraintOp:
        return ops.DropConstraintOp(
            self.constraint_name, self.table_name, type_="check", schema=self.schema
        )


@Operations.register_operation("set_not_null_online")
class SetNotNullOnlineOp(ops.MigrateOperation):
    """Make a column NOT NULL without a long lock.

    PostgreSQL: ``CHECK (col IS NOT NULL) NOT VALID``, ``VALIDATE`` in its own
    transaction, then ``SET NOT NULL`` (which trusts the check instead of
    scanning the table) and the check dropped. MariaDB/MySQL: ``MODIFY`` with
    the column's full current definition and ``ALGORITHM=INPLACE, LOCK=NONE``.
    """

    def __init__(
        self, table_name: str, column_name: str, *, existing_type: Any = None,
        schema: str | None = None,
    ) -> None:
        self.table_name = table_name
        self.column_name = column_name
        self.existing_type = existing_type
        self.schema = schema

    @classmethod
    def set_not_null_online(
        cls, operations: Operations, table_name: str, column_name: str, *,
        existing_type: Any = None, schema: str | None = None,
    ) -> None:
        """Make a column NOT NULL without a long lock (see :class:`SetNotNullOnlineOp`)."""
        operations.invoke(
            cls(table_name, column_name, existing_type=existing_type, schema=schema)
        )

    def reverse(self) -> ops.AlterColumnOp:
        return ops.AlterColumnOp(
            self.table_name, self.column_name, schema=self.schema, modify_nullable=True,
            existing_type=self.existing_type, existing_nullable=False,
        )


@Operations.register_operation("create_unique_constraint_online")
class CreateUniqueConstraintOnlineOp(ops.MigrateOperation):
    """Add a UNIQUE constraint from an index built without blocking writes.

    PostgreSQL: ``CREATE UNIQUE INDEX CONCURRENTLY``, then ``ADD CONSTRAINT
    ... UNIQUE USING INDEX`` (a brief lock). MariaDB/MySQL: ``ALGORITHM=INPLACE,
    LOCK=NONE``. Duplicate rows: nothing is left behind and
    :class:`~.errors.ConstraintValidationError` is raised.
    """

    def __init__(
        self, constraint_name: str, table_name: str, columns: Sequence[str], *,
        schema: str | None = None,
    ) -> None:
        self.constraint_name = constraint_name
        self.table_name = table_name
        self.columns = list(columns)
        self.schema = schema

    @classmethod
    def create_unique_constraint_online(
        cls, operations: Operations, constraint_name: str, table_name: str,
        columns: Sequence[str], *, schema: str | None = None,
    ) -> None:
        """Add a UNIQUE constraint without blocking writes."""
        operations.invoke(cls(constraint_name, table_name, columns, schema=schema))

    def reverse(self) -> ops.DropConstraintOp:
        return ops.DropConstraintOp(
            self.constraint_name, self.table_name, type_="unique", schema=self.schema
        )


@Operations.register_operation("alter_column_type_online")
class AlterColumnTypeOnlineOp(ops.MigrateOperation):
    """Change a column's type, on MariaDB/MySQL without blocking writes.

    MariaDB/MySQL: ``MODIFY`` with the column's full current definition and
    the new type, ``ALGORITHM=INPLACE, LOCK=NONE`` (INSTANT where it can: a
    VARCHAR widened within its length byte). When the server could only copy
    the table (INT to BIGINT, a VARCHAR crossing 255 bytes), the ALTER runs
    through pt-online-schema-change, which copies it in chunks while writes
    go on and swaps it in atomically; without that program it is refused
    (:class:`~.errors.TableCopyRefusedError`). See docs/big-tables-mariadb.md.

    PostgreSQL and SQLite: Alembic's ``alter_column``. On PostgreSQL a type
    change that rewrites the table (INTEGER to BIGINT) holds an ACCESS
    EXCLUSIVE lock while it does: use ``op.expand_column`` there.
    """

    def __init__(
        self, table_name: str, column_name: str, type_: Any, *, existing_type: Any = None,
        nullable: bool | None = None, schema: str | None = None,
    ) -> None:
        self.table_name = table_name
        self.column_name = column_name
        self.type_ = type_
        self.existing_type = existing_type
        self.nullable = nullable
        self.schema = schema

    @classmethod
    def alter_column_type_online(
        cls, operations: Operations, table_name: str, column_name: str, type_: Any, *,
        existing_type: Any = None, nullable: bool | None = None, schema: str | None = None,
    ) -> None:
        """Change a column's type without blocking writes (see :class:`AlterColumnTypeOnlineOp`)."""
        operations.invoke(
            cls(table_name, column_name, type_, existing_type=existing_type, nullable=nullable,
                schema=schema)
        )

    def reverse(self) -> AlterColumnTypeOnlineOp:
        if self.existing_type is None:
            raise ValueError("the column's type before is unknown: pass existing_type=")
        return AlterColumnTypeOnlineOp(
            self.table_name, self.column_name, self.existing_type, existing_type=self.type_,
            schema=self.schema,
        )
