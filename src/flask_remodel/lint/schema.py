"""The schema as the revision chain leaves it, rebuilt from the operations alone.

Nothing here reads a database. Each recorded operation updates the picture
(tables, column types and nullability, checks, foreign keys, indexes) so that
the rules can ask what a column was before a revision changed it. Where the
chain does not say (a table created by raw SQL, or before the linted folder
began), ``existing_type=`` / ``existing_nullable=`` on the operation fill in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from alembic.operations import ops

from .sqltext import SqlStatement

# An unread statement that may create, drop or rename a table (ALTER SEQUENCE ... RESTART,
# say, cannot): after one, which tables exist is no longer known.
_NAMED_TYPE = re.compile(
    r"\s*(?P<verb>CREATE|DROP)\s+TYPE\s+(?:IF\s+EXISTS\s+)?(?P<names>[\w\", ]+?)"
    r"(?:\s+AS\b|\s+CASCADE|\s+RESTRICT|\s*$)",
    re.I,
)
_MAY_CHANGE_TABLES = re.compile(r"\b(?:TABLE|RENAME|INTO|DO|CALL|EXEC(?:UTE)?)\b", re.I)


@dataclass
class ColumnState:
    name: str
    type: Any = None
    nullable: bool | None = None
    server_default: Any = None
    created_in: str | None = None


@dataclass
class CheckState:
    table: str
    text: str
    validated: bool = True


@dataclass
class ForeignKeyState:
    table: str
    referred: str
    ondelete: str | None = None


@dataclass
class TableState:
    name: str
    columns: dict[str, ColumnState] = field(default_factory=dict)
    created_in: str | None = None
    columns_known: bool = True
    unnamed_checks: int = 0
    primary_key: str | None = None
    """The primary key constraint's name ("" when unnamed), None when there is none."""
    uniques: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Named unique constraints: name -> columns (only where ``columns_known``)."""
    unnamed_uniques: list[tuple[str, ...]] = field(default_factory=list)
    """The columns of each unique constraint the database names itself."""


@dataclass
class Schema:
    tables: dict[str, TableState] = field(default_factory=dict)
    checks: dict[str, CheckState] = field(default_factory=dict)
    foreign_keys: dict[str, ForeignKeyState] = field(default_factory=dict)
    indexes: dict[str, tuple[str, tuple[str, ...], bool]] = field(default_factory=dict)
    """name -> (table, columns, unique)"""
    enum_types: set[str] = field(default_factory=set)
    """PostgreSQL's named types (ENUM) that create_table or CREATE TYPE made."""
    dropped_uniques: list[tuple[str, tuple[str, ...], str]] = field(default_factory=list)
    """(table, columns, revision) of each unique index or constraint a revision dropped: a
    unique index made again on the same columns (renamed or not) adds no uniqueness."""
    opaque: bool = False
    """A raw statement the linter could not read ran: it may have made or dropped anything,
    so which tables exist is no longer known for certain."""

    def copy(self) -> Schema:
        """A copy that :meth:`apply` can change without touching this one."""
        tables = {
            name: replace(
                table,
                columns={n: replace(c) for n, c in table.columns.items()},
                uniques=dict(table.uniques),
                unnamed_uniques=list(table.unnamed_uniques),
            )
            for name, table in self.tables.items()
        }
        return Schema(
            tables,
            {n: replace(c) for n, c in self.checks.items()},
            {n: replace(f) for n, f in self.foreign_keys.items()},
            dict(self.indexes),
            set(self.enum_types),
            list(self.dropped_uniques),
            self.opaque,
        )

    def table(self, name: str | None) -> TableState | None:
        return self.tables.get(name) if name else None

    def column(self, table: str | None, name: str) -> ColumnState | None:
        found = self.table(table)
        return found.columns.get(name) if found else None

    def referencing(self, table: str) -> list[tuple[str, ForeignKeyState]]:
        """Foreign keys (name, state) of other tables that point at *table*."""
        return [
            (n, fk)
            for n, fk in self.foreign_keys.items()
            if fk.referred == table and fk.table != table
        ]

    def apply(self, operation: Any, revision: str) -> None:
        handler = getattr(self, f"_apply_{type(operation).__name__}", None)
        if handler is not None:
            handler(operation, revision)

    # One method per operation class, named after it.

    def _apply_CreateTableOp(self, op: ops.CreateTableOp, revision: str) -> None:
        table = TableState(op.table_name, created_in=revision, columns_known=bool(op.columns))
        for item in op.columns:
            if isinstance(item, sa.Column):
                table.columns[item.name] = ColumnState(
                    item.name, item.type, item.nullable, item.server_default
                )
                if item.primary_key:
                    table.primary_key = table.primary_key or ""
                for fk in item.foreign_keys:
                    self._add_fk(
                        str(fk.name or f"{op.table_name}.{item.name}_fk"),
                        op.table_name,
                        fk.target_fullname.split(".")[-2],
                        fk.ondelete,
                    )
            elif isinstance(item, sa.ForeignKeyConstraint):
                referred = (
                    next(iter(item.elements)).target_fullname.split(".")[-2]
                    if item.elements
                    else ""
                )
                self._add_fk(
                    str(item.name or f"{op.table_name}_fk{len(self.foreign_keys)}"),
                    op.table_name,
                    referred,
                    item.ondelete,
                )
            elif isinstance(item, sa.PrimaryKeyConstraint):
                table.primary_key = str(item.name) if item.name else ""
            elif isinstance(item, sa.CheckConstraint):
                if item.name:
                    self.checks[str(item.name)] = CheckState(op.table_name, str(item.sqltext))
                else:
                    table.unnamed_checks += 1
        self.tables[op.table_name] = table
        if op.columns:
            self._table_items(op, table)

    def _table_items(self, op: ops.CreateTableOp, table: TableState) -> None:
        # op.create_table also creates the indexes and unique constraints its
        # columns ask for (index=True, unique=True), named as the Table names them.
        try:
            built = op.to_table()
        except Exception:  # columns that need more than the operation to build
            table.columns_known = False
            return
        for column in built.columns:
            # create_table makes the named types of its columns (not add_column).
            if isinstance(column.type, sa.Enum) and column.type.name:
                if getattr(column.type, "create_type", True) and column.type.native_enum:
                    self.enum_types.add(str(column.type.name))
        for index in built.indexes:
            columns = tuple(c.name for c in index.columns)
            name = index.name or f"ix_{op.table_name}_{'_'.join(columns)}"
            self.indexes[str(name)] = (op.table_name, columns, bool(index.unique))
        for constraint in built.constraints:
            if isinstance(constraint, sa.UniqueConstraint):
                self._add_unique(table, constraint.name, tuple(c.name for c in constraint.columns))

    @staticmethod
    def _add_unique(table: TableState, name: Any, columns: tuple[str, ...]) -> None:
        if name:
            table.uniques[str(name)] = columns
        else:
            table.unnamed_uniques.append(columns)

    def _add_fk(self, name: str, table: str, referred: str, ondelete: str | None) -> None:
        self.foreign_keys[name] = ForeignKeyState(table, referred, ondelete)

    def _apply_DropTableOp(self, op: ops.DropTableOp, revision: str) -> None:
        self.tables.pop(op.table_name, None)
        for store in (self.checks, self.foreign_keys):
            for name in [n for n, s in store.items() if s.table == op.table_name]:
                del store[name]
        for name in [n for n, (table, _, _) in self.indexes.items() if table == op.table_name]:
            del self.indexes[name]  # a table's indexes go with it

    def _apply_RenameTableOp(self, op: ops.RenameTableOp, revision: str) -> None:
        table = self.tables.pop(op.table_name, None)
        if table is not None:
            table.name = op.new_table_name
            self.tables[op.new_table_name] = table
        for name, (on, columns, unique) in list(self.indexes.items()):
            if on == op.table_name:
                self.indexes[name] = (op.new_table_name, columns, unique)
        for check in self.checks.values():
            if check.table == op.table_name:
                check.table = op.new_table_name
        for fk in self.foreign_keys.values():
            if fk.table == op.table_name:
                fk.table = op.new_table_name
            if fk.referred == op.table_name:
                fk.referred = op.new_table_name

    def _ensure(self, name: str) -> TableState:
        if name not in self.tables:
            self.tables[name] = TableState(name, columns_known=False)
        return self.tables[name]

    def _apply_AddColumnOp(self, op: ops.AddColumnOp, revision: str) -> None:
        c = op.column
        self._ensure(op.table_name).columns[c.name] = ColumnState(
            c.name, c.type, c.nullable, c.server_default, revision
        )

    def _apply_DropColumnOp(self, op: ops.DropColumnOp, revision: str) -> None:
        table = self.table(op.table_name)
        if table is not None:
            table.columns.pop(op.column_name, None)

    def _apply_AlterColumnOp(self, op: ops.AlterColumnOp, revision: str) -> None:
        table = self._ensure(op.table_name)
        column = table.columns.get(op.column_name) or ColumnState(
            op.column_name, op.existing_type, op.existing_nullable
        )
        if op.modify_type is not None:
            column.type = op.modify_type
        if op.modify_nullable is not None:
            column.nullable = op.modify_nullable
        if op.modify_server_default is not False:
            column.server_default = op.modify_server_default
        if op.modify_name:
            column.name = op.modify_name
        # The column keeps its place, as in the database (reflection lists them in order).
        table.columns = {
            (column.name if name == op.column_name else name): (
                column if name == op.column_name else state
            )
            for name, state in table.columns.items()
        }
        table.columns.setdefault(column.name, column)

    def _apply_CreateCheckConstraintOp(self, op: ops.CreateCheckConstraintOp, rev: str) -> None:
        if op.constraint_name:
            self.checks[str(op.constraint_name)] = CheckState(
                op.table_name, str(op.condition), not op.kw.get("postgresql_not_valid")
            )

    def _apply_CreateForeignKeyOp(self, op: ops.CreateForeignKeyOp, revision: str) -> None:
        self._add_fk(
            str(op.constraint_name or f"{op.source_table}_fk"),
            op.source_table,
            op.referent_table,
            op.kw.get("ondelete"),
        )

    def _apply_CreateUniqueConstraintOp(
        self, op: ops.CreateUniqueConstraintOp, revision: str
    ) -> None:
        self._add_unique(self._ensure(op.table_name), op.constraint_name, tuple(op.columns))

    def _apply_DropConstraintOp(self, op: ops.DropConstraintOp, revision: str) -> None:
        for store in (self.checks, self.foreign_keys):
            store.pop(str(op.constraint_name), None)
        table = self.table(op.table_name)
        if table is not None and (columns := table.uniques.pop(str(op.constraint_name), None)):
            self.dropped_uniques.append((op.table_name, columns, revision))
        if table is not None and op.constraint_type == "primary":
            table.primary_key = None

    def _apply_CreatePrimaryKeyOp(self, op: ops.CreatePrimaryKeyOp, revision: str) -> None:
        self._ensure(op.table_name).primary_key = str(op.constraint_name or "")

    def _apply_CreateIndexOp(self, op: ops.CreateIndexOp, revision: str) -> None:
        names = tuple(str(c) for c in op.columns)
        self.indexes[str(op.index_name)] = (op.table_name, names, bool(op.unique))

    def _apply_DropIndexOp(self, op: ops.DropIndexOp, revision: str) -> None:
        dropped = self.indexes.pop(str(op.index_name), None)
        if dropped is not None and dropped[2]:
            self.dropped_uniques.append((dropped[0], dropped[1], revision))

    def _apply_SqlStatement(self, op: SqlStatement, revision: str) -> None:
        if op.kind == "validate_constraint" and op.name in self.checks:
            self.checks[op.name].validated = True
        elif op.kind == "harmless" and (named := _NAMED_TYPE.match(op.text)):
            names = {n.strip().strip('"') for n in named["names"].split(",")}
            if named["verb"].upper() == "CREATE":
                self.enum_types |= names
            else:
                self.enum_types -= names
        elif op.kind == "unknown" and _MAY_CHANGE_TABLES.search(op.text):
            self.opaque = True
        elif op.kind == "alter_table_other" and (table := self.table(op.table)) is not None:
            table.columns_known = False  # an ALTER TABLE action the linter cannot read
