"""Adding a NOT NULL column without a server default breaks inserts, or the migration.

Problem: PostgreSQL fails on a table with rows; SQLite always refuses;
MariaDB/MySQL succeed, silently fill 0 or '', and then every INSERT from the
old code fails (strict mode) or stores 0 (measured). A Python-side
``default=`` is not a server default.

Safe alternative: add it nullable (or with a constant ``server_default``),
deploy code that writes it, backfill, then NOT NULL (RM109)::

    op.add_column("account", sa.Column("plan", sa.String(20), nullable=True))

Flagged: ``op.add_column("account", sa.Column("plan", sa.String(20), nullable=False))``
"""

from __future__ import annotations

from alembic.operations import ops

from .. import fixes
from ..context import LintContext
from ..model import Severity
from ..registry import rule

_WHAT = {
    "postgresql": "fails on a table that has rows",
    "mysql": "silently fills existing rows with 0/'' and then INSERTs from the old code fail "
    "(strict mode) or store 0",
    "sqlite": "is refused by SQLite",
}


@rule("RM205", "add-required-column", Severity.ERROR, on=(ops.AddColumnOp,))
def check(op: ops.AddColumnOp, ctx: LintContext) -> None:
    column = op.column
    default = None if column.identity is not None else column.server_default
    if column.nullable or default is not None or ctx.created_here(op.table_name):
        return
    if (
        column.computed is not None
        # sa.Identity() is rendered on PostgreSQL only; elsewhere the column is
        # a plain NOT NULL one (MariaDB fills 0).
        or (column.identity is not None and ctx.target.family == "postgresql")
        or column.info.get("autoincrement")
        or column.info.get("generated")
    ):
        return
    ctx.report(
        f"NOT NULL column {column.name} without a server default {_WHAT[ctx.target.family]}. "
        "Add it nullable (or with a constant server_default), backfill, then set NOT NULL.",
        fix=(
            f"op.add_column({op.table_name!r}, sa.Column({column.name!r}, "
            f"{fixes.type_code(column.type)}, nullable=True))\n"
            "# deploy code that writes it, backfill, then in a later revision:\n"
            + fixes.alter_column(ctx.target.family, op.table_name, column.name, column.type,
                                  nullable=False)
        ),
    )
