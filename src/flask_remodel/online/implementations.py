"""What each online operation sends, per database.

PostgreSQL does the slow part (building an index, checking the rows) in a
form that takes only a SHARE UPDATE EXCLUSIVE lock, outside the revision's
transaction (Alembic's ``autocommit_block``), and keeps the statements that
need a strong lock short. MariaDB/MySQL get ``ALGORITHM=INPLACE, LOCK=NONE``
(INPLACE also allows INSTANT), so an ALTER the server could only do by copying
the table fails at once instead of blocking writes; that ALTER then runs
through pt-online-schema-change when it is installed (:mod:`.ptosc`), which
copies the table without blocking writes, and is refused otherwise. Any
other database (SQLite) runs the plain Alembic operation.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from alembic.operations import Operations
from alembic.operations import ops
from sqlalchemy.exc import DBAPIError
from sqlalchemy.schema import AddConstraint
from sqlalchemy.schema import CreateIndex

from ..dialects import dialect_for
from ..dialects import driver_error_code
from .errors import ConstraintValidationError
from .errors import TableCopyRefusedError
from .operations import AlterColumnTypeOnlineOp
from .operations import CreateCheckConstraintOnlineOp
from .operations import CreateForeignKeyOnlineOp
from .operations import CreateIndexOnlineOp
from .operations import CreateUniqueConstraintOnlineOp
from .operations import DropIndexOnlineOp
from .operations import SetNotNullOnlineOp
from .policy import LockPolicy
from .ptosc import copy_alter
from .ptosc import find_program
from .statements import current_policy
from .statements import without_lock_timeout

_INPLACE = "ALGORITHM=INPLACE, LOCK=NONE"
_COPY_REFUSED = {"1845", "1846"}  # ALGORITHM=INPLACE / LOCK=NONE not supported
_NULLS_FOUND = {"1265", "1138", "1048"}
_DUPLICATES = {"23505", "1062"}
_BROKEN_ROWS = {"23503", "23514"}


def family(operations: Operations) -> str:
    """``postgresql``, ``mysql`` (MariaDB too) or ``other`` (no online forms: SQLite)."""
    support = dialect_for(operations.migration_context)
    return support.family if support.online_operations else "other"


def quote(operations: Operations, name: str) -> str:
    return str(operations.migration_context.dialect.identifier_preparer.quote(name))


def qualified(operations: Operations, table: str, schema: str | None) -> str:
    return f"{quote(operations, schema)}.{quote(operations, table)}" if schema else quote(
        operations, table
    )


def run_sql(operations: Operations, sql: str) -> None:
    """Execute *sql* as written (a colon is not a bind parameter here)."""
    operations.execute(sa.text(sql.replace(":", r"\:")))


def _compiled(operations: Operations, element: Any) -> str:
    return str(element.compile(dialect=operations.migration_context.dialect)).strip()


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


@contextmanager
def _refusing_copies(table: str, what: str) -> Iterator[None]:
    try:
        yield
    except DBAPIError as exc:
        if driver_error_code(exc) in _COPY_REFUSED:
            raise TableCopyRefusedError(table, what, _first_line(exc)) from exc
        raise


@contextmanager
def _rows_checked(name: str, table: str, codes: set[str], what: str = "") -> Iterator[None]:
    """Turn the server's complaint about existing rows into ConstraintValidationError."""
    try:
        yield
    except DBAPIError as exc:
        if driver_error_code(exc) in codes:
            detail = f"{what}: {_first_line(exc)}" if what else _first_line(exc)
            raise ConstraintValidationError(name, table, detail) from exc
        raise


def _inplace(
    operations: Operations, table: str, schema: str | None, body: str, what: str
) -> None:
    """``ALTER TABLE <table> <body>`` in place; if the server would copy the table,
    through pt-online-schema-change, or refused when that is not installed."""
    target = qualified(operations, table, schema)
    try:
        with _refusing_copies(table, what):
            run_sql(operations, f"ALTER TABLE {target} {body}, {_INPLACE}")
    except TableCopyRefusedError as refused:
        program = find_program()
        if program.path is None:
            detail = _first_line(refused.__cause__ or refused)
            raise TableCopyRefusedError(table, what, detail, program.missing) from refused
        bind = operations.get_bind()
        database = schema or str(bind.execute(sa.text("SELECT DATABASE()")).scalar())
        copy_alter(
            bind.engine.url, database, table, body,
            current_policy() or LockPolicy(lock_timeout_ms=0), program.path,
        )


def _dispatch(op_class: type[Any], **by_family: Callable[[Operations, Any], None]) -> None:
    @Operations.implementation_for(op_class)
    def run(operations: Operations, operation: Any) -> None:
        by_family.get(family(operations), by_family["other"])(operations, operation)


# -- indexes ------------------------------------------------------------------


def _drop_invalid_index(operations: Operations, name: str, schema: str | None) -> None:
    """Drop an INVALID index called *name*: what an interrupted concurrent build leaves."""
    if operations.migration_context.as_sql:
        return
    invalid = operations.get_bind().execute(
        sa.text(
            "SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relname = :name AND n.nspname = coalesce(:schema, current_schema())"
            " AND NOT i.indisvalid"
        ),
        {"name": name, "schema": schema},
    ).first()
    if invalid is not None:
        with without_lock_timeout():
            run_sql(
                operations,
                f"DROP INDEX CONCURRENTLY IF EXISTS {qualified(operations, name, schema)}",
            )


def _index(operations: Operations, op: CreateIndexOnlineOp, **extra: Any) -> sa.Index:
    plain = ops.CreateIndexOp(
        op.index_name, op.table_name, op.columns, schema=op.schema, unique=op.unique,
        **{**op.kw, **extra},
    )
    return plain.to_index(operations.migration_context)


def _pg_create_index(operations: Operations, op: CreateIndexOnlineOp) -> None:
    index = _index(operations, op, postgresql_concurrently=True)
    create = _compiled(operations, CreateIndex(index))
    with operations.get_context().autocommit_block():
        _drop_invalid_index(operations, op.index_name, op.schema)
        try:
            with _rows_checked(
                op.index_name, op.table_name, _DUPLICATES if op.unique else set()
            ), without_lock_timeout():
                run_sql(operations, create)
        except Exception:
            # A failed concurrent build leaves an INVALID index: take it away now.
            _drop_invalid_index(operations, op.index_name, op.schema)
            raise


def _mysql_create_index(operations: Operations, op: CreateIndexOnlineOp) -> None:
    create = _compiled(operations, CreateIndex(_index(operations, op)))
    with _refusing_copies(op.table_name, f"Creating index '{op.index_name}'"), _rows_checked(
        op.index_name, op.table_name, _DUPLICATES if op.unique else set()
    ):
        run_sql(operations, f"{create} {_INPLACE.replace(',', '')}")


def _plain_create_index(operations: Operations, op: CreateIndexOnlineOp) -> None:
    operations.create_index(
        op.index_name, op.table_name, op.columns, schema=op.schema, unique=op.unique, **op.kw
    )


_dispatch(
    CreateIndexOnlineOp, postgresql=_pg_create_index, mysql=_mysql_create_index,
    other=_plain_create_index,
)


def _pg_drop_index(operations: Operations, op: DropIndexOnlineOp) -> None:
    with operations.get_context().autocommit_block(), without_lock_timeout():
        run_sql(
            operations,
            f"DROP INDEX CONCURRENTLY IF EXISTS {qualified(operations, op.index_name, op.schema)}",
        )


def _mysql_drop_index(operations: Operations, op: DropIndexOnlineOp) -> None:
    _inplace(
        operations, op.table_name, op.schema, f"DROP INDEX {quote(operations, op.index_name)}",
        f"Dropping index '{op.index_name}'",
    )


def _plain_drop_index(operations: Operations, op: DropIndexOnlineOp) -> None:
    operations.drop_index(op.index_name, table_name=op.table_name, schema=op.schema)


_dispatch(
    DropIndexOnlineOp, postgresql=_pg_drop_index, mysql=_mysql_drop_index,
    other=_plain_drop_index,
)


# -- constraints checked after they are added -----------------------------------


def _pg_validate(
    operations: Operations, table: str, schema: str | None, name: str, undo: str | None = None
) -> None:
    """``VALIDATE CONSTRAINT`` in its own transaction; on bad rows, undo and raise."""
    target = qualified(operations, table, schema)
    with operations.get_context().autocommit_block():
        try:
            with without_lock_timeout():
                run_sql(
                    operations,
                    f"ALTER TABLE {target} VALIDATE CONSTRAINT {quote(operations, name)}",
                )
        except DBAPIError as exc:
            if driver_error_code(exc) not in _BROKEN_ROWS:
                raise
            run_sql(
                operations,
                undo or f"ALTER TABLE {target} DROP CONSTRAINT IF EXISTS {quote(operations, name)}",
            )
            raise ConstraintValidationError(name, table, _first_line(exc)) from exc


def _foreign_key(operations: Operations, op: CreateForeignKeyOnlineOp, **extra: Any) -> Any:
    plain = ops.CreateForeignKeyOp(
        op.constraint_name, op.source_table, op.referent_table, op.local_cols, op.remote_cols,
        ondelete=op.ondelete, onupdate=op.onupdate, source_schema=op.source_schema,
        referent_schema=op.referent_schema, **extra,
    )
    return plain.to_constraint(operations.migration_context)


def _pg_create_foreign_key(operations: Operations, op: CreateForeignKeyOnlineOp) -> None:
    fk = _foreign_key(operations, op, postgresql_not_valid=True)
    run_sql(operations, _compiled(operations, AddConstraint(fk)))
    _pg_validate(operations, op.source_table, op.source_schema, op.constraint_name)


def _orphans(operations: Operations, op: CreateForeignKeyOnlineOp) -> int:
    child = qualified(operations, op.source_table, op.source_schema)
    parent = qualified(operations, op.referent_table, op.referent_schema)
    present = " AND ".join(f"c.{quote(operations, col)} IS NOT NULL" for col in op.local_cols)
    match = " AND ".join(
        f"p.{quote(operations, r)} = c.{quote(operations, col)}"
        for col, r in zip(op.local_cols, op.remote_cols, strict=True)
    )
    found = operations.get_bind().execute(
        sa.text(
            f"SELECT COUNT(*) FROM {child} c WHERE {present}"
            f" AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE {match})"
        )
    ).scalar()
    return int(found or 0)


def _mysql_create_foreign_key(operations: Operations, op: CreateForeignKeyOnlineOp) -> None:
    add = _compiled(operations, AddConstraint(_foreign_key(operations, op)))
    add = add.split(" ADD ", 1)[1]
    # With checks on the server must copy the table to look at every row;
    # with them off it adds the key in place and the rows are checked below.
    run_sql(operations, "SET @remodel_fk_checks = @@foreign_key_checks, foreign_key_checks = 0")
    try:
        _inplace(
            operations, op.source_table, op.source_schema, f"ADD {add}",
            f"Adding foreign key '{op.constraint_name}'",
        )
    finally:
        run_sql(operations, "SET foreign_key_checks = @remodel_fk_checks")
    if operations.migration_context.as_sql:
        return
    broken = _orphans(operations, op)
    if broken:
        run_sql(
            operations,
            f"ALTER TABLE {qualified(operations, op.source_table, op.source_schema)} "
            f"DROP FOREIGN KEY {quote(operations, op.constraint_name)}",
        )
        raise ConstraintValidationError(
            op.constraint_name, op.source_table,
            f"{broken} row(s) refer to rows missing from '{op.referent_table}'",
        )


def _plain_create_foreign_key(operations: Operations, op: CreateForeignKeyOnlineOp) -> None:
    operations.create_foreign_key(
        op.constraint_name, op.source_table, op.referent_table, op.local_cols, op.remote_cols,
        ondelete=op.ondelete, onupdate=op.onupdate, source_schema=op.source_schema,
        referent_schema=op.referent_schema,
    )


_dispatch(
    CreateForeignKeyOnlineOp, postgresql=_pg_create_foreign_key,
    mysql=_mysql_create_foreign_key, other=_plain_create_foreign_key,
)


def _check(operations: Operations, op: CreateCheckConstraintOnlineOp, **extra: Any) -> Any:
    plain = ops.CreateCheckConstraintOp(
        op.constraint_name, op.table_name, op.condition, schema=op.schema, **extra
    )
    return plain.to_constraint(operations.migration_context)


def _pg_create_check(operations: Operations, op: CreateCheckConstraintOnlineOp) -> None:
    check = _check(operations, op, postgresql_not_valid=True)
    run_sql(operations, _compiled(operations, AddConstraint(check)))
    _pg_validate(operations, op.table_name, op.schema, op.constraint_name)


def _mysql_create_check(operations: Operations, op: CreateCheckConstraintOnlineOp) -> None:
    add = _compiled(operations, AddConstraint(_check(operations, op))).split(" ADD ", 1)[1]
    # 4025/3819: existing rows fail the check (a server that could add it in place)
    with _rows_checked(op.constraint_name, op.table_name, {"4025", "3819"}):
        _inplace(
            operations, op.table_name, op.schema, f"ADD {add}",
            f"Adding check constraint '{op.constraint_name}'",
        )


def _plain_create_check(operations: Operations, op: CreateCheckConstraintOnlineOp) -> None:
    operations.create_check_constraint(
        op.constraint_name, op.table_name, op.condition, schema=op.schema
    )


_dispatch(
    CreateCheckConstraintOnlineOp, postgresql=_pg_create_check, mysql=_mysql_create_check,
    other=_plain_create_check,
)


# -- NOT NULL --------------------------------------------------------------------


def not_null_check_name(table: str, column: str) -> str:
    """The temporary CHECK's name (PostgreSQL names are at most 63 bytes)."""
    return f"ck_{table}_{column}_not_null"[:63]


def _pg_set_not_null(operations: Operations, op: SetNotNullOnlineOp) -> None:
    target = qualified(operations, op.table_name, op.schema)
    check = quote(operations, not_null_check_name(op.table_name, op.column_name))
    column = quote(operations, op.column_name)
    run_sql(
        operations,
        f"ALTER TABLE {target} ADD CONSTRAINT {check} CHECK ({column} IS NOT NULL) NOT VALID",
    )
    _pg_validate(
        operations, op.table_name, op.schema, not_null_check_name(op.table_name, op.column_name)
    )
    # PostgreSQL 12+ sees the validated check and skips the full scan here.
    run_sql(operations, f"ALTER TABLE {target} ALTER COLUMN {column} SET NOT NULL")
    run_sql(operations, f"ALTER TABLE {target} DROP CONSTRAINT {check}")


def _mysql_column_definition(operations: Operations, op: SetNotNullOnlineOp) -> str:
    """The column as it is now, NOT NULL: MODIFY restates the whole definition."""
    if operations.migration_context.as_sql:
        if op.existing_type is None:
            raise TableCopyRefusedError(
                op.table_name, f"Setting '{op.column_name}' NOT NULL",
                "with --sql the current column definition cannot be read; pass existing_type=",
            )
        return f"{_compiled(operations, sa.types.to_instance(op.existing_type))} NOT NULL"
    column_type, _, default, extra, comment, charset, collation = _mysql_column(operations, op)
    parts = [str(column_type)]
    if charset:
        parts.append(f"CHARACTER SET {charset} COLLATE {collation}")
    parts.append("NOT NULL")
    return _with_the_rest(parts, default, extra, comment)


def _mysql_column(operations: Operations, op: Any) -> tuple[Any, ...]:
    """The column *op* names, as ``information_schema.COLUMNS`` has it: its type,
    nullability, default, extra, comment, character set and collation."""
    row = operations.get_bind().execute(
        sa.text(
            "SELECT COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, COLUMN_COMMENT,"
            " CHARACTER_SET_NAME, COLLATION_NAME FROM information_schema.COLUMNS"
            " WHERE TABLE_SCHEMA = coalesce(:schema, DATABASE()) AND TABLE_NAME = :table"
            " AND COLUMN_NAME = :column"
        ),
        {"schema": op.schema, "table": op.table_name, "column": op.column_name},
    ).first()
    if row is None:
        raise ConstraintValidationError(op.column_name, op.table_name, "no such column")
    return tuple(row)


def _with_the_rest(parts: list[str], default: Any, extra: Any, comment: Any) -> str:
    """*parts* of a column definition, then what ``MODIFY`` must repeat to keep the
    column as it was: its default, ``AUTO_INCREMENT`` / ``ON UPDATE``, its comment."""
    if default is not None and str(default).upper() != "NULL":
        parts.append(f"DEFAULT {default}")
    extra = str(extra or "")
    if extra.lower().startswith(("auto_increment", "on update")):
        parts.append(extra)
    if comment:
        parts.append("COMMENT '" + str(comment).replace("'", "''") + "'")
    return " ".join(parts)


def _mysql_set_not_null(operations: Operations, op: SetNotNullOnlineOp) -> None:
    definition = _mysql_column_definition(operations, op)
    with _rows_checked(
        f"{op.column_name} NOT NULL", op.table_name, _NULLS_FOUND, "the column holds NULLs"
    ):
        _inplace(
            operations, op.table_name, op.schema,
            f"MODIFY {quote(operations, op.column_name)} {definition}",
            f"Setting '{op.column_name}' NOT NULL",
        )


def _plain_set_not_null(operations: Operations, op: SetNotNullOnlineOp) -> None:
    operations.alter_column(
        op.table_name, op.column_name, nullable=False, existing_type=op.existing_type,
        schema=op.schema,
    )


_dispatch(
    SetNotNullOnlineOp, postgresql=_pg_set_not_null, mysql=_mysql_set_not_null,
    other=_plain_set_not_null,
)


# -- UNIQUE ----------------------------------------------------------------------


def _pg_create_unique(operations: Operations, op: CreateUniqueConstraintOnlineOp) -> None:
    _pg_create_index(
        operations,
        CreateIndexOnlineOp(
            op.constraint_name, op.table_name, op.columns, unique=True, schema=op.schema
        ),
    )
    name = quote(operations, op.constraint_name)
    run_sql(
        operations,
        f"ALTER TABLE {qualified(operations, op.table_name, op.schema)} "
        f"ADD CONSTRAINT {name} UNIQUE USING INDEX {name}",
    )


def _mysql_create_unique(operations: Operations, op: CreateUniqueConstraintOnlineOp) -> None:
    columns = ", ".join(quote(operations, c) for c in op.columns)
    with _rows_checked(op.constraint_name, op.table_name, _DUPLICATES):
        _inplace(
            operations, op.table_name, op.schema,
            f"ADD CONSTRAINT {quote(operations, op.constraint_name)} UNIQUE ({columns})",
            f"Adding unique constraint '{op.constraint_name}'",
        )


def _plain_create_unique(operations: Operations, op: CreateUniqueConstraintOnlineOp) -> None:
    operations.create_unique_constraint(
        op.constraint_name, op.table_name, op.columns, schema=op.schema
    )


_dispatch(
    CreateUniqueConstraintOnlineOp, postgresql=_pg_create_unique, mysql=_mysql_create_unique,
    other=_plain_create_unique,
)


# -- column types ------------------------------------------------------------------


def _mysql_type_definition(operations: Operations, op: AlterColumnTypeOnlineOp) -> str:
    """The column's definition with the new type: MODIFY restates all of it.

    Its character set and collation stay when the new type holds text, its
    nullability unless ``nullable=`` says otherwise, and its default,
    ``AUTO_INCREMENT`` and comment.
    """
    new_type = sa.types.to_instance(op.type_)
    parts = [_compiled(operations, new_type)]
    if operations.migration_context.as_sql:
        if op.nullable is not None:
            parts.append("NULL" if op.nullable else "NOT NULL")
        return " ".join(parts)
    _, is_nullable, default, extra, comment, charset, collation = _mysql_column(operations, op)
    if charset and isinstance(new_type, sa.String) and not getattr(new_type, "collation", None):
        parts.append(f"CHARACTER SET {charset} COLLATE {collation}")
    nullable = op.nullable if op.nullable is not None else str(is_nullable).upper() == "YES"
    parts.append("NULL" if nullable else "NOT NULL")
    return _with_the_rest(parts, default, extra, comment)


def truncating_rows(operations: Operations, op: AlterColumnTypeOnlineOp) -> int:
    """Rows whose value is longer than the new text type holds (0 when it is not shorter).

    pt-online-schema-change copies with ``INSERT IGNORE`` and only warns
    about a value cut short, so a narrowing must be checked before it runs.
    """
    length = getattr(sa.types.to_instance(op.type_), "length", None)
    if not isinstance(length, int) or operations.migration_context.as_sql:
        return 0
    target = qualified(operations, op.table_name, op.schema)
    column = quote(operations, op.column_name)
    found = operations.get_bind().execute(
        sa.text(f"SELECT COUNT(*) FROM {target} WHERE CHAR_LENGTH({column}) > {length}")
    ).scalar()
    return int(found or 0)


def _mysql_alter_column_type(operations: Operations, op: AlterColumnTypeOnlineOp) -> None:
    definition = _mysql_type_definition(operations, op)
    too_long = truncating_rows(operations, op)
    if too_long:
        raise ConstraintValidationError(
            f"{op.column_name} {definition}", op.table_name,
            f"{too_long} row(s) hold values longer than the new type allows",
        )
    _inplace(
        operations, op.table_name, op.schema,
        f"MODIFY {quote(operations, op.column_name)} {definition}",
        f"Changing the type of '{op.column_name}'",
    )


def _plain_alter_column_type(operations: Operations, op: AlterColumnTypeOnlineOp) -> None:
    if dialect_for(operations.migration_context).alters_by_rebuild:
        # SQLite has no ALTER COLUMN: Alembic's batch mode recreates the table.
        with operations.batch_alter_table(op.table_name, schema=op.schema) as batch:
            batch.alter_column(
                op.column_name, type_=op.type_, existing_type=op.existing_type,
                nullable=op.nullable,
            )
        return
    operations.alter_column(
        op.table_name, op.column_name, type_=op.type_, existing_type=op.existing_type,
        nullable=op.nullable, schema=op.schema,
    )


_dispatch(
    AlterColumnTypeOnlineOp, postgresql=_plain_alter_column_type, mysql=_mysql_alter_column_type,
    other=_plain_alter_column_type,
)
