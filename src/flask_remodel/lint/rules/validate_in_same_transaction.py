"""VALIDATE CONSTRAINT in the same transaction as its NOT VALID add gains nothing.

Problem: the lock ``ADD CONSTRAINT ... NOT VALID`` took is held until COMMIT,
so the validating scan that follows in the same transaction still runs under
it.

Safe alternative: validate in a later revision (with
``transaction_per_migration=True``), or after an ``autocommit_block()``.

Flagged: ``op.create_check_constraint("ck", "t", "a > 0", postgresql_not_valid=True)``
followed by ``op.execute("ALTER TABLE t VALIDATE CONSTRAINT ck")`` in one revision.
"""

from __future__ import annotations

from alembic.operations import ops

from ..context import LintContext
from ..model import Severity
from ..registry import rule
from ..sqltext import SqlStatement


@rule(
    "RM112",
    "validate-in-same-transaction",
    Severity.WARNING,
    dialects=("postgresql",),
    on=(SqlStatement,),
)
def check(op: SqlStatement, ctx: LintContext) -> None:
    assert ctx.current is not None
    if op.kind != "validate_constraint" or ctx.current.in_autocommit:
        return
    for earlier in ctx.before():
        added = earlier.operation
        if (
            isinstance(added, (ops.CreateCheckConstraintOp, ops.CreateForeignKeyOp))
            and str(added.constraint_name) == op.name
            and not earlier.in_autocommit
        ):
            ctx.report(
                f"VALIDATE CONSTRAINT {op.name} runs in the transaction that added it, so the "
                "scan still runs under the ADD's lock. Validate it in a later revision.",
                lock=f"the lock of ADD CONSTRAINT {op.name}, held to COMMIT",
                fix=f'# in the next revision:\nop.execute("{op.text}")',
            )
            return
