"""Dropping a column breaks the instances still running the old code.

Problem: SQLAlchemy selects and inserts every mapped column, so old instances
fail until they are replaced, and the code cannot be rolled back; the data is
gone. PostgreSQL takes ACCESS EXCLUSIVE briefly; SQLite rewrites the table
and refuses if the column is indexed.

Safe alternative: release N removes the attribute from the model (the column
must be nullable or have a server default); release N+1 drops the column in
a post-deploy revision::

    op.drop_column("account", "legacy_flag")  # remodel: allow[RM201] unused since v42

Flagged: ``op.drop_column("account", "legacy_flag")``
"""

from __future__ import annotations

from alembic.operations import ops

from ..context import LintContext
from ..model import Severity
from ..registry import rule


@rule("RM201", "drop-column", Severity.ERROR, on=(ops.DropColumnOp,))
def check(op: ops.DropColumnOp, ctx: LintContext) -> None:
    table, column = op.table_name, op.column_name
    state = ctx.schema.column(table, column)
    if ctx.created_here(table) or (state is not None and state.created_in == ctx.revision):
        return
    extra = ""
    if ctx.target.family == "sqlite":
        indexed = [
            n for n, (t, cols, _) in ctx.schema.indexes.items() if t == table and column in cols
        ]
        if indexed:
            extra = f" SQLite refuses it while index {indexed[0]} uses the column."
    ctx.report(
        f"Dropping {table}.{column} breaks instances still running code that maps it, and the "
        "data is gone. Remove it from the model first, drop it in a later release." + extra,
        fix=(
            f"# release N: remove {column} from the model (keep the column nullable)\n"
            f"# release N+1, post-deploy:\nop.drop_column({table!r}, {column!r})"
        ),
    )
