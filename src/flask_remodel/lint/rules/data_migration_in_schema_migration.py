"""Data changes in the same revision as schema changes.

Problem: one big UPDATE holds row locks, bloats the WAL and lags replicas,
and inside the migration's transaction it also keeps the ALTER's lock for
its whole duration.

Safe alternative: a separate revision (or a job) that updates in batches,
outside the DDL transaction.

Not flagged: an UPDATE that only fills columns added in the same revision
(what ``flask db migrate --default`` writes: the column is new, so no data
changes meaning), and ``op.backfill``, which runs in small committed batches
outside the revision's transaction.

Flagged: ``op.add_column(...)`` and ``op.execute("UPDATE account SET plan = 'free'")``
in one revision.
"""

from __future__ import annotations

from alembic.operations import ops

from ..context import LintContext
from ..model import Severity
from ..registry import rule
from ..sqltext import SqlStatement
from ._common import batched
from ._common import fills_new_columns


@rule("RM504", "data-migration-in-schema-migration", Severity.WARNING, on="revision")
def check(ctx: LintContext) -> None:
    data = [r for r in ctx.ops if isinstance(r.operation, SqlStatement)
            and r.operation.kind in ("dml", "connection_use")
            and not (r.operation.kind == "dml" and r.operation.details.get("verb") == "INSERT"
                     and ctx.created_here(r.operation.table))
            and not batched(r) and not fills_new_columns(r, ctx)]
    schema = [r for r in ctx.ops if isinstance(r.operation, ops.MigrateOperation)
              and not isinstance(r.operation, (ops.ExecuteSQLOp, ops.BulkInsertOp))]
    if data and schema:
        ctx.report(
            "This revision changes data and schema together: the data change holds the "
            "schema change's locks and runs as one big transaction. Move it to its own "
            "revision and update in batches.",
            at=data[0],
        )
