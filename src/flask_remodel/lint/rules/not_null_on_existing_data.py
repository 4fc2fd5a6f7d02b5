"""NOT NULL on an existing column fails if any row is NULL.

Problem: it passes on development data and fails in production (or, on
MariaDB/MySQL without strict mode, silently turns NULLs into 0 or '').

Safe alternative: backfill in an earlier revision, then check::

    SELECT 1 FROM account WHERE email IS NULL LIMIT 1

Flagged: ``op.alter_column("account", "email", nullable=False)``

Not flagged when an earlier statement of the same revision fills every NULL
(``UPDATE account SET email = ... WHERE email IS NULL``, or with no WHERE), as
``flask db migrate`` writes for a new required column; nor when the code sets the
column with an ``UPDATE`` written in a ``for`` loop over rows it reads (one statement
per row). The linter replays a revision with no rows, so it cannot see such a loop
run, and the author fills the rows one by one on purpose.
"""

from __future__ import annotations

from alembic.operations import ops

from ..context import LintContext
from ..model import Severity
from ..registry import rule
from ._common import becomes_not_null
from ._common import filled_here
from ._common import filled_per_row
from .set_not_null import proven_by_check


@rule("RM402", "not-null-on-existing-data", Severity.WARNING, on=(ops.AlterColumnOp,))
def check(op: ops.AlterColumnOp, ctx: LintContext) -> None:
    table, column = op.table_name, op.column_name
    if not becomes_not_null(op, ctx) or proven_by_check(ctx, table, column):
        return  # a validated CHECK (col IS NOT NULL) already rules NULLs out
    if filled_here(ctx, table, column) or filled_per_row(ctx, table, column):
        return  # this revision fills the NULLs first
    ctx.report(
        f"NOT NULL on {table}.{column} fails at deploy if any row is NULL. Backfill first "
        "and check.",
        fix=(f'op.execute("UPDATE {table} SET {column} = <value> WHERE {column} IS NULL")'
             f"  # earlier revision, in batches\n"
             f"# check: SELECT 1 FROM {table} WHERE {column} IS NULL LIMIT 1"),
    )
