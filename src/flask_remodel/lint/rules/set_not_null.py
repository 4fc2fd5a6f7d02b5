"""Making an existing column NOT NULL scans (or rebuilds) the table while it is locked.

Problem: PostgreSQL scans the whole table under ACCESS EXCLUSIVE (reads
block) unless a validated ``CHECK (col IS NOT NULL)`` already proves it
(PostgreSQL 12+). MariaDB/MySQL rebuild the table in place and, without a
strict ``sql_mode``, silently turn NULLs into 0 or ''. SQLite recreates the
table.

Safe alternative (PostgreSQL)::

    op.create_check_constraint("ck_account_email_not_null", "account",
                               "email IS NOT NULL", postgresql_not_valid=True)
    # next revision
    op.execute("ALTER TABLE account VALIDATE CONSTRAINT ck_account_email_not_null")
    # next revision
    op.alter_column("account", "email", nullable=False)
    op.drop_constraint("ck_account_email_not_null", "account", type_="check")

Not flagged: a column added and filled (``UPDATE ... WHERE col IS NULL``)
earlier in the same revision, as ``flask db migrate --default`` writes it: the
fill has already rewritten every row under the same lock and left no NULL.

Flagged: ``op.alter_column("account", "email", nullable=False)``
"""

from __future__ import annotations

import re

from alembic.operations import ops

from .. import fixes
from ..context import LintContext
from ..model import Severity
from ..registry import rule
from ._common import LITE_RECREATE
from ._common import MY_INPLACE
from ._common import PG_ACCESS_EXCLUSIVE
from ._common import becomes_not_null
from ._common import filled_here


def proven_by_check(ctx: LintContext, table: str, column: str) -> bool:
    pattern = re.compile(rf'^\(?\s*"?{re.escape(column)}"?\s+IS\s+NOT\s+NULL\s*\)?$', re.I)
    return any(
        check.table == table and check.validated and pattern.match(check.text.strip())
        for check in ctx.schema.checks.values()
    )


@rule("RM109", "set-not-null", Severity.WARNING, on=(ops.AlterColumnOp,))
def check(op: ops.AlterColumnOp, ctx: LintContext) -> None:
    if not becomes_not_null(op, ctx):
        return
    table, column = op.table_name, op.column_name
    if ctx.new_column(table, column) and filled_here(ctx, table, column):
        # Added and filled in this revision (``migrate --default``): the fill
        # already rewrote every row under the same lock, and left no NULL.
        return
    family = ctx.target.family
    if family == "postgresql":
        if ctx.target.at_least(12) and proven_by_check(ctx, table, column):
            return
        ctx.report(
            f"SET NOT NULL on {table}.{column} scans the whole table under ACCESS EXCLUSIVE. "
            "Prove it first with a NOT VALID check constraint, validate it separately, then "
            "set NOT NULL.",
            lock=PG_ACCESS_EXCLUSIVE.format(table=table),
            rewrites=False,
            fix=fixes.set_not_null_postgresql(table, column),
        )
    elif family == "mysql":
        ctx.report(
            f"NOT NULL on {table}.{column} rebuilds the table; it fails on NULLs in strict "
            "sql_mode and silently turns them into 0/'' without it. Backfill the NULLs first "
            "and make sure sql_mode is strict.",
            lock=MY_INPLACE.format(table=table),
            rewrites=True,
            fix=_backfill_then_not_null(op, ctx),
        )
    else:
        ctx.report(
            f"NOT NULL on {table}.{column} recreates the table on SQLite (batch mode) and "
            "fails if any row is NULL. Backfill first.",
            lock=LITE_RECREATE.format(table=table),
            rewrites=True,
            fix=_backfill_then_not_null(op, ctx),
        )


def _backfill_then_not_null(op: ops.AlterColumnOp, ctx: LintContext) -> str:
    table, column = op.table_name, op.column_name
    return (
        f'op.execute("UPDATE {table} SET {column} = <value> WHERE {column} IS NULL")'
        "  # in batches, in an earlier revision\n"
        + fixes.alter_column(ctx.target.family, table, column, ctx.existing(op)[0],
                             nullable=False)
    )
