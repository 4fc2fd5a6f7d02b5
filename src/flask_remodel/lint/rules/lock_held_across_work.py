"""A lock taken early in the revision is held while later, slow work runs.

Problem: in a transaction every lock is held until COMMIT. An ALTER that
takes ACCESS EXCLUSIVE followed by an index build, a data change or a table
rewrite in the same transaction keeps the table unreadable for all of it.
(MariaDB/MySQL commit each DDL statement; SQLite locks the whole database
anyway: PostgreSQL only.)

Safe alternative: one risky operation per revision and
``transaction_per_migration=True``; data changes in their own revision.

Not flagged: ``op.backfill``, which runs in committed batches outside the
transaction; an index on a table created earlier in the revision and not
filled since (the build has no row to read).

Flagged even when the UPDATE only fills a column the revision added
(``migrate --default``): it rewrites every row while the ALTER's lock keeps
readers out; ``migrate --online`` writes it as a batched ``op.backfill``,
which commits the ADD COLUMN first.

Flagged: ``op.add_column("account", ...)`` then ``op.create_index(..., "account", ...)``
in the same revision.
"""

from __future__ import annotations

from typing import Any

from alembic.operations import ops

from ..context import LintContext
from ..model import Severity
from ..registry import rule
from ..sqltext import SqlStatement
from ._common import batched

_LOCKING = (
    ops.AddColumnOp,
    ops.DropColumnOp,
    ops.AlterColumnOp,
    ops.AddConstraintOp,
    ops.DropConstraintOp,
    ops.RenameTableOp,
    ops.CreateForeignKeyOp,
)


def _filled_before(ctx: LintContext, table: str) -> bool:
    """Whether an earlier statement of the revision may have written rows into *table*."""
    for recorded in ctx.before():
        written = recorded.operation
        if isinstance(written, ops.BulkInsertOp) and getattr(written.table, "name", None) == table:
            return True
        if isinstance(written, SqlStatement) and (
            (written.kind == "dml" and written.table in (table, None))
            or written.kind in ("unknown", "connection_use")
        ):
            return True  # an INSERT ... SELECT, or a statement not read that may be one
        if isinstance(written, ops.ExecuteSQLOp):
            return True
    return False


def _slow(op: Any, ctx: LintContext) -> bool:
    if isinstance(op, ops.CreateIndexOp):
        if op.kw.get("postgresql_concurrently"):
            return False
        # A table created in this revision is empty until something writes to it.
        return not ctx.created_here(op.table_name) or _filled_before(ctx, op.table_name)
    if isinstance(op, SqlStatement):
        return op.kind in ("dml", "validate_constraint", "reindex", "rewrite_maintenance")
    return False


@rule(
    "RM116",
    "lock-held-across-work",
    Severity.WARNING,
    dialects=("postgresql",),
    on=(ops.CreateIndexOp, SqlStatement),
)
def check(op: Any, ctx: LintContext) -> None:
    assert ctx.current is not None
    if not _slow(op, ctx) or ctx.current.in_autocommit or batched(ctx.current):
        return
    for earlier in reversed(ctx.before()):
        if earlier.in_autocommit:
            return  # the autocommit block committed what came before
        taken = earlier.operation
        table = getattr(taken, "table_name", None) or getattr(taken, "source_table", None)
        if isinstance(taken, _LOCKING) and table and not ctx.created_here(table):
            ctx.report(
                f"This runs in the same transaction as the ALTER on {table} at line "
                f"{earlier.line}, whose lock is held until COMMIT: {table} stays locked for "
                "the whole of this work. Move it to its own revision.",
                lock=f"the lock taken at line {earlier.line}, held to COMMIT",
            )
            return
