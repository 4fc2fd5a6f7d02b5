"""Adding a foreign key validates every row while blocking writes to both tables.

Problem: PostgreSQL takes SHARE ROW EXCLUSIVE on the table and on the table it
references during the scan (writes to both block). MariaDB/MySQL copy the
table when ``foreign_key_checks=1``. Foreign keys declared in
``create_table`` (or on a table created in the same revision) are exempt.

Safe alternative (PostgreSQL)::

    op.create_foreign_key("fk_order_account", "order", "account",
                          ["account_id"], ["id"], postgresql_not_valid=True)
    # next revision:
    op.execute('ALTER TABLE "order" VALIDATE CONSTRAINT fk_order_account')

Flagged: ``op.create_foreign_key("fk_order_account", "order", "account", ["account_id"], ["id"])``
"""

from __future__ import annotations

from alembic.operations import ops

from .. import fixes
from ..context import LintContext
from ..model import Severity
from ..registry import rule
from ._common import MY_COPY
from ._common import PG_SHARE_ROW_EXCLUSIVE


@rule(
    "RM111",
    "foreign-key-validated",
    Severity.WARNING,
    dialects=("postgresql", "mysql"),
    on=(ops.CreateForeignKeyOp,),
)
def check(op: ops.CreateForeignKeyOp, ctx: LintContext) -> None:
    not_valid = op.kw.get("postgresql_not_valid") and ctx.target.family == "postgresql"
    if ctx.created_here(op.source_table) or not_valid:
        return  # (MariaDB/MySQL ignore postgresql_not_valid: --verify saw the COPY)
    name, table, other = str(op.constraint_name), op.source_table, op.referent_table
    if ctx.target.family == "mysql":
        ctx.report(
            f"Foreign key {name} copies {table} with writes blocked (foreign_key_checks=1). "
            "Only if the data is known valid: SET foreign_key_checks=0 for this statement.",
            lock=MY_COPY.format(table=table),
            rewrites=True,
        )
        return
    ctx.report(
        f"Foreign key {name} is validated under SHARE ROW EXCLUSIVE on {table} and {other}: "
        "writes to both wait. Add it NOT VALID, then VALIDATE CONSTRAINT later.",
        lock=PG_SHARE_ROW_EXCLUSIVE.format(table=table, other=other),
        rewrites=False,
        fix=fixes.call(
            "op.create_foreign_key",
            name,
            table,
            other,
            list(op.local_cols),
            list(op.remote_cols),
            postgresql_not_valid=True,
        )
        + f'\n# next revision:\nop.execute("ALTER TABLE {table} VALIDATE CONSTRAINT {name}")',
    )
