"""A unique constraint or index on an existing table fails if the data has duplicates.

Problem: development data rarely has duplicates; production data often does,
and the migration then fails at deploy. On PostgreSQL a failed
``CREATE UNIQUE INDEX CONCURRENTLY`` also leaves an INVALID index behind,
which ``if_not_exists=True`` then silently accepts on the retry.

Safe alternative: look for duplicates first and clean them up::

    SELECT email, count(*) FROM account GROUP BY email HAVING count(*) > 1

and after a concurrent build check ``pg_index.indisvalid``.

Not flagged: uniqueness over a column added nullable, with no default and
unfilled, earlier in the same revision: it holds only NULLs, and NULLs never
clash.

Flagged: ``op.create_unique_constraint("uq_account_email", "account", ["email"])``
"""

from __future__ import annotations

from typing import Any

from alembic.operations import ops

from ..context import LintContext
from ..model import Severity
from ..registry import rule
from ._common import new_uniqueness


@rule("RM401", "unique-on-existing-data", Severity.WARNING,
      on=(ops.CreateUniqueConstraintOp, ops.CreateIndexOp))
def check(op: Any, ctx: LintContext) -> None:
    columns = new_uniqueness(op, ctx)
    if columns is None:
        return
    ctx.report(
        f"Unique ({columns}) on {op.table_name} fails at deploy if the data already has "
        "duplicates. Check for them first.",
        fix=(f"# before the migration:\n# SELECT {columns}, count(*) FROM {op.table_name} "
             f"GROUP BY {columns} HAVING count(*) > 1"),
    )
