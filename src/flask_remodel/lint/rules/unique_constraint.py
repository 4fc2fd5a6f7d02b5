"""Adding a UNIQUE constraint builds its index while the table is locked.

Problem: on PostgreSQL ``ADD CONSTRAINT ... UNIQUE`` builds the index under
ACCESS EXCLUSIVE: reads and writes wait for the whole build.

Safe alternative::

    with op.get_context().autocommit_block():
        op.create_index("uq_account_email", "account", ["email"], unique=True,
                        postgresql_concurrently=True, if_not_exists=True)
    op.execute("ALTER TABLE account ADD CONSTRAINT uq_account_email "
               "UNIQUE USING INDEX uq_account_email")

Flagged: ``op.create_unique_constraint("uq_account_email", "account", ["email"])``
"""

from __future__ import annotations

from alembic.operations import ops

from .. import fixes
from ..context import LintContext
from ..model import Severity
from ..registry import rule
from ._common import PG_ACCESS_EXCLUSIVE


@rule(
    "RM113",
    "unique-constraint",
    Severity.WARNING,
    dialects=("postgresql",),
    on=(ops.CreateUniqueConstraintOp,),
)
def check(op: ops.CreateUniqueConstraintOp, ctx: LintContext) -> None:
    if ctx.created_here(op.table_name):
        return
    name, table = str(op.constraint_name), op.table_name
    columns = [str(c) for c in op.columns]
    ctx.report(
        f"UNIQUE {name} builds its index under ACCESS EXCLUSIVE on {table}. Build a unique "
        "index CONCURRENTLY, then attach it with ADD CONSTRAINT ... UNIQUE USING INDEX.",
        lock=PG_ACCESS_EXCLUSIVE.format(table=table),
        rewrites=False,
        fix=fixes.concurrent_index(name, table, columns, unique=True)
        + f'\nop.execute("ALTER TABLE {table} ADD CONSTRAINT {name} UNIQUE USING INDEX {name}")',
    )
