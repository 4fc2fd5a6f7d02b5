"""A new uniqueness rule makes the old code's duplicate inserts fail.

Problem: instances still running the old code may insert duplicates, which
now raise errors.

Safe alternative: ship code that avoids duplicates first, then add the
constraint.

Flagged: ``op.create_unique_constraint("uq_account_email", "account", ["email"])``
"""

from __future__ import annotations

from typing import Any

from alembic.operations import ops

from ..context import LintContext
from ..model import Severity
from ..registry import rule
from ._common import new_uniqueness


@rule(
    "RM207",
    "unique-semantics",
    Severity.WARNING,
    on=(ops.CreateUniqueConstraintOp, ops.CreateIndexOp),
)
def check(op: Any, ctx: LintContext) -> None:
    columns = new_uniqueness(op, ctx)
    if columns is None:
        return
    ctx.report(
        f"Uniqueness on {op.table_name} ({columns}): old code that inserts duplicates starts "
        "failing. Deploy duplicate-aware code first.",
    )
