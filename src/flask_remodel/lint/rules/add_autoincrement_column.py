"""Adding an auto-incrementing column (serial, identity, AUTO_INCREMENT) rewrites the table.

Problem: every existing row gets a value, so PostgreSQL rewrites the table
under ACCESS EXCLUSIVE (measured for ``bigserial`` and identity) and
MariaDB/MySQL rebuild it; with statement-based replication replicas may
number rows differently.

Safe alternative: a new table filled by copying, or a nullable column with a
sequence default for new rows and a batched backfill.

Flagged: ``op.add_column("event", sa.Column("seq", sa.BigInteger(), sa.Identity()))``
"""

from __future__ import annotations

from alembic.operations import ops

from ..context import LintContext
from ..model import Severity
from ..registry import rule
from ._common import rewrite_lock


@rule(
    "RM107",
    "add-autoincrement-column",
    Severity.WARNING,
    dialects=("postgresql", "mysql"),
    on=(ops.AddColumnOp,),
)
def check(op: ops.AddColumnOp, ctx: LintContext) -> None:
    column = op.column
    # SQLAlchemy renders sa.Identity() on PostgreSQL only (MariaDB/MySQL get a
    # plain column, which --verify saw added INSTANTly).
    auto = (
        (column.identity is not None and ctx.target.family == "postgresql")
        or column.info.get("autoincrement")
        or (column.autoincrement is True and column.primary_key)
    )
    if not auto or ctx.created_here(op.table_name):
        return
    ctx.report(
        f"Auto-incrementing column {column.name} numbers every existing row of "
        f"{op.table_name}: the table is rewritten while locked.",
        lock=rewrite_lock(ctx, op.table_name),
        rewrites=True,
        fix=(
            f"op.add_column({op.table_name!r}, sa.Column({column.name!r}, sa.BigInteger(), "
            "nullable=True))\n# give new rows a sequence default, backfill old rows in batches"
        ),
    )
