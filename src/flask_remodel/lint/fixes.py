"""Ready-to-paste Alembic code for the safe alternatives, with the user's own names."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa


class Code(str):
    """Source text that :func:`call` writes as it is (a type, ``sa.text(...)``), not quoted."""

    def __repr__(self) -> str:
        return str(self)


def literal(value: Any) -> str:
    """*value* as Python source; an SQL expression (``postgresql_where=``) as ``sa.text``."""
    if isinstance(value, sa.sql.elements.TextClause):
        return f"sa.text({value.text!r})"
    if isinstance(value, sa.sql.ClauseElement):
        sql = str(value.compile(compile_kwargs={"literal_binds": True}))
        return f"sa.text({sql!r})"
    return repr(value)


def call(function: str, *args: Any, **kw: Any) -> str:
    """``op.<function>(args..., key=value...)`` with Python reprs."""
    parts = [literal(a) for a in args] + [f"{k}={literal(v)}" for k, v in kw.items()]
    return f"{function}({', '.join(parts)})"


def indent(code: str, by: str = "    ") -> str:
    return "\n".join(by + line if line else line for line in code.splitlines())


def autocommit(code: str) -> str:
    return "with op.get_context().autocommit_block():\n" + indent(code)


def type_code(type_: Any) -> str:
    """``sa.String(length=20)`` style code for a SQLAlchemy type (``sa.Text()`` if unknown)."""
    if type_ is None or isinstance(type_, sa.types.NullType):
        return "sa.Text()"
    text = repr(type_)
    return text if text.startswith(("sa.", "postgresql.", "mysql.")) else f"sa.{text}"


def alter_column(
    family: str, table: str, column: str, existing_type: Any, **changes: Any
) -> str:
    """``op.alter_column(...)`` that runs on *family* as written.

    It names the column's ``existing_type`` when known: MariaDB/MySQL re-declare
    the whole column and Alembic refuses to without it. SQLite has no ALTER COLUMN beyond
    a rename, so anything else goes through a batch block (a table copy).
    """
    kw = dict(changes)
    if existing_type is not None:  # unknown: better none than a wrong one
        kw["existing_type"] = Code(type_code(existing_type))
    if family != "sqlite" or set(changes) <= {"new_column_name"}:
        return call("op.alter_column", table, column, **kw)
    return batch(table, call("batch_op.alter_column", column, **kw))


def batch(table: str, code: str) -> str:
    """*code* (``batch_op.*`` calls) in a batch block on *table*: SQLite copies the table."""
    return f"with op.batch_alter_table({table!r}) as batch_op:\n" + indent(code)


def not_null_check_name(table: str, column: str) -> str:
    return f"ck_{table}_{column}_not_null"[:63]


def concurrent_index(name: Any, table: str, columns: list[str], unique: bool = False) -> str:
    kw: dict[str, Any] = {}
    if unique:
        kw["unique"] = True
    return autocommit(
        call(
            "op.create_index",
            str(name),
            table,
            columns,
            **kw,
            postgresql_concurrently=True,
            if_not_exists=True,
        )
    )


def set_not_null_postgresql(table: str, column: str) -> str:
    check = not_null_check_name(table, column)
    return (
        "# revision 1\n"
        + call(
            "op.create_check_constraint",
            check,
            table,
            f"{column} IS NOT NULL",
            postgresql_not_valid=True,
        )
        + "\n# revision 2 (its own transaction)\n"
        + f'op.execute("ALTER TABLE {table} VALIDATE CONSTRAINT {check}")\n'
        + "# revision 3: PostgreSQL 12+ skips the scan thanks to the validated check\n"
        + call("op.alter_column", table, column, nullable=False)
        + "\n"
        + call("op.drop_constraint", check, table, type_="check")
    )


def expand_contract(family: str, table: str, column: str, new_type: Any) -> str:
    new = f"{column}_new"
    rename = {"new_column_name": column, "existing_type": Code(type_code(new_type))}
    if family == "sqlite":
        # SQLite cannot drop a key column, or one a CHECK or index names, in place.
        contract = batch(table, call("batch_op.drop_column", column) + "\n"
                         + call("batch_op.alter_column", new, **rename))
    else:
        contract = (call("op.drop_column", table, column) + "\n"
                    + call("op.alter_column", table, new, **rename))
    return (
        "# release N: add the new column, write both from the code, backfill in batches\n"
        f"op.add_column({table!r}, sa.Column({new!r}, {type_code(new_type)}, nullable=True))\n"
        "# release N+1 (post-deploy): switch reads, then drop the old column\n"
        + contract
    )
