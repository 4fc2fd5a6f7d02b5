"""Dropping NOT NULL lets NULLs in that the running code may not expect.

Problem: code that assumed a value breaks on NULL, and going back to NOT NULL
later fails once NULLs exist.

Safe alternative: only when every reader already tolerates NULL; acknowledge
it with ``# remodel: allow[RM206] reason``.

Flagged: ``op.alter_column("account", "email", nullable=True, existing_nullable=False)``
"""

from __future__ import annotations

from alembic.operations import ops

from ..context import LintContext
from ..model import Severity
from ..registry import rule
from ._common import LITE_RECREATE
from ._common import MY_INPLACE
from ._common import PG_ACCESS_EXCLUSIVE


@rule("RM206", "drop-not-null", Severity.WARNING, on=(ops.AlterColumnOp,))
def check(op: ops.AlterColumnOp, ctx: LintContext) -> None:
    if op.modify_nullable is not True or ctx.created_here(op.table_name):
        return
    _, nullable = ctx.existing(op)
    if nullable is True:
        return
    family, table = ctx.target.family, op.table_name
    lock = {"postgresql": PG_ACCESS_EXCLUSIVE, "mysql": MY_INPLACE, "sqlite": LITE_RECREATE}
    ctx.report(
        f"{table}.{op.column_name} may now be NULL: code that assumes a value breaks, "
        "and restoring NOT NULL later fails once NULLs exist.",
        lock=lock[family].format(table=table),
        rewrites=family != "postgresql",
    )
