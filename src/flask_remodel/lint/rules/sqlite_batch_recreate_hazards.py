"""SQLite batch recreate: cascades fire, triggers and unnamed CHECKs are lost.

Problem: Alembic's batch mode copies the table into a new one and drops the
old. With ``PRAGMA foreign_keys=ON`` dropping the old table fires ``ON DELETE
CASCADE`` / ``SET NULL`` on every table that references it; triggers on the
table and CHECK constraints without a name are not carried over. (Flask-
Remodel's own SQLite layer turns foreign keys off for the rebuild and puts
triggers back; plain Alembic does neither.)

Safe alternative: run the rebuild with foreign keys off on a fresh connection,
re-create triggers afterwards, and name every CHECK constraint.

Flagged: ``with op.batch_alter_table("account") as b: b.alter_column(...)`` when
another table references ``account`` with ``ondelete="CASCADE"``.
"""

from __future__ import annotations

from typing import Any

from alembic.operations import ops

from ..context import LintContext
from ..model import Severity
from ..registry import rule
from ._common import LITE_RECREATE

# Operations that make a batch block recreate the table on SQLite.
_RECREATING = (
    ops.AlterColumnOp,
    ops.DropColumnOp,
    ops.AddConstraintOp,
    ops.DropConstraintOp,
    ops.CreatePrimaryKeyOp,
)


@rule(
    "RM306", "sqlite-batch-recreate-hazards", Severity.ERROR, dialects=("sqlite",), on=_RECREATING
)
def check(op: Any, ctx: LintContext) -> None:
    assert ctx.current is not None
    table = ctx.current.batch_table
    if table is None or ctx.created_here(table):
        return
    # Report once per batch block: on its first recreating operation.
    for earlier in ctx.before():
        if earlier.batch_table == table and isinstance(earlier.operation, _RECREATING):
            return
    hazards = []
    cascading = [
        f"{fk.table} ({fk.ondelete})"
        for _, fk in ctx.schema.referencing(table)
        if fk.ondelete and fk.ondelete.upper() in ("CASCADE", "SET NULL")
    ]
    if cascading:
        hazards.append(
            "ON DELETE actions of "
            + ", ".join(sorted(set(cascading)))
            + " fire when the old table is dropped with foreign keys on"
        )
    state = ctx.schema.table(table)
    if state is not None and state.unnamed_checks:
        hazards.append(f"{state.unnamed_checks} unnamed CHECK constraint(s) are dropped")
    if not hazards:
        return
    ctx.report(
        f"Batch recreate of {table}: " + "; ".join(hazards) + ". Rebuild with "
        "foreign keys off and name every CHECK constraint.",
        lock=LITE_RECREATE.format(table=table),
        rewrites=True,
    )
