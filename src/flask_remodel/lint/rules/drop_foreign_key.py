"""Dropping a foreign key stops the database from enforcing the reference.

Problem: orphans appear silently from then on.

Safe alternative: only on purpose; acknowledge it with
``# remodel: allow[RM304] reason``.

Flagged: ``op.drop_constraint("fk_order_account", "order", type_="foreignkey")``
"""

from __future__ import annotations

from alembic.operations import ops

from ..context import LintContext
from ..model import Severity
from ..registry import rule


@rule("RM304", "drop-foreign-key", Severity.WARNING, on=(ops.DropConstraintOp,))
def check(op: ops.DropConstraintOp, ctx: LintContext) -> None:
    name = str(op.constraint_name)
    if op.constraint_type != "foreignkey" and name not in ctx.schema.foreign_keys:
        return
    if ctx.created_here(op.table_name):
        return
    ctx.report(
        f"Dropping foreign key {name} on {op.table_name}: the database stops enforcing it, "
        "and orphaned rows appear silently.",
    )
