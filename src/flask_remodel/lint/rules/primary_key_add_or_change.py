"""Adding or changing a primary key rebuilds indexes while the table is locked.

Problem: PostgreSQL builds the index under ACCESS EXCLUSIVE and scans for
NULLs; MariaDB/MySQL rebuild the clustered index and every secondary index.

Safe alternative (PostgreSQL): validated ``IS NOT NULL`` checks, then
``CREATE UNIQUE INDEX CONCURRENTLY``, then
``ALTER TABLE t ADD CONSTRAINT pk PRIMARY KEY USING INDEX ix``.

Flagged: ``op.create_primary_key("pk_event", "event", ["id"])``
"""

from __future__ import annotations

from alembic.operations import ops

from .. import fixes
from ..context import LintContext
from ..model import Severity
from ..registry import rule
from ._common import rewrite_lock


@rule(
    "RM114",
    "primary-key-add-or-change",
    Severity.WARNING,
    dialects=("postgresql", "mysql"),
    on=(ops.CreatePrimaryKeyOp,),
)
def check(op: ops.CreatePrimaryKeyOp, ctx: LintContext) -> None:
    if ctx.created_here(op.table_name):
        return
    name, table = str(op.constraint_name), op.table_name
    columns = [str(c) for c in op.columns]
    fix = _postgresql_fix(ctx, name, table, columns) if ctx.target.family == "postgresql" else None
    ctx.report(
        f"Primary key {name} on {table} builds (or rebuilds) indexes while the table is locked.",
        lock=rewrite_lock(ctx, table),
        rewrites=ctx.target.family == "mysql",
        fix=fix,
    )


def _postgresql_fix(ctx: LintContext, name: str, table: str, columns: list[str]) -> str:
    """The unique index built CONCURRENTLY, then made the primary key in place of any old one."""
    known = ctx.schema.table(table)
    nullable = [c for c in columns
                if known is None or (c in known.columns and known.columns[c].nullable is not False)]
    first = (f"# first make {', '.join(nullable)} NOT NULL without the long scan (see RM109)\n"
             if nullable else "")
    old = None if known is None else known.primary_key
    # PostgreSQL names an unnamed primary key <table>_pkey; a table has one at most.
    drop = "" if old is None else f"DROP CONSTRAINT {old or table + '_pkey'}, "
    return (
        first
        + fixes.concurrent_index(name, table, columns, unique=True)
        + f'\nop.execute("ALTER TABLE {table} {drop}ADD CONSTRAINT {name} '
        f'PRIMARY KEY USING INDEX {name}")'
    )
