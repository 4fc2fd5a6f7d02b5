"""Adding a CHECK constraint validates every row while the table is locked.

Problem: PostgreSQL holds ACCESS EXCLUSIVE during the validating scan;
MariaDB/MySQL copy the table (measured).

Safe alternative (PostgreSQL)::

    op.create_check_constraint("ck_order_total", "order", "total >= 0",
                               postgresql_not_valid=True)
    # next revision:
    op.execute('ALTER TABLE "order" VALIDATE CONSTRAINT ck_order_total')

MariaDB/MySQL can only add it by copying the table:
``op.create_check_constraint_online`` runs that copy through
``pt-online-schema-change``, without blocking writes (it stops, leaving the
table as it was, at the first row that breaks the check; see
docs/big-tables-mariadb.md).

Flagged: ``op.create_check_constraint("ck_order_total", "order", "total >= 0")``
"""

from __future__ import annotations

from alembic.operations import ops

from .. import fixes
from ..context import LintContext
from ..model import Severity
from ..registry import rule
from ._common import MY_COPY
from ._common import PG_ACCESS_EXCLUSIVE


@rule(
    "RM110",
    "check-constraint-validated",
    Severity.WARNING,
    dialects=("postgresql", "mysql"),
    on=(ops.CreateCheckConstraintOp,),
)
def check(op: ops.CreateCheckConstraintOp, ctx: LintContext) -> None:
    not_valid = op.kw.get("postgresql_not_valid") and ctx.target.family == "postgresql"
    if ctx.created_here(op.table_name) or not_valid:
        return  # (MariaDB/MySQL ignore postgresql_not_valid: --verify saw the COPY)
    name, table = str(op.constraint_name), op.table_name
    if ctx.target.family == "mysql":
        ctx.report(
            f"CHECK {name} copies {table} with writes blocked while every row is checked. "
            "op.create_check_constraint_online does the copy through "
            "pt-online-schema-change without blocking writes (docs/big-tables-mariadb.md).",
            lock=MY_COPY.format(table=table),
            rewrites=True,
        )
        return
    ctx.report(
        f"CHECK {name} is validated against every row of {table} under ACCESS EXCLUSIVE. "
        "Add it NOT VALID, then VALIDATE CONSTRAINT in a later revision.",
        lock=PG_ACCESS_EXCLUSIVE.format(table=table),
        rewrites=False,
        fix=fixes.call(
            "op.create_check_constraint", name, table, str(op.condition), postgresql_not_valid=True
        )
        + f'\n# next revision:\nop.execute("ALTER TABLE {table} VALIDATE CONSTRAINT {name}")',
    )
