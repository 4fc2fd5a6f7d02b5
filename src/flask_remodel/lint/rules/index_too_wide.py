"""A non-unique index on more than three columns (opt-in).

Problem: rarely used in full by queries, and every write pays for it.

Safe alternative: lead with the most selective columns and keep the index
short.

Flagged: ``op.create_index("ix_wide", "orders", ["a", "b", "c", "d"])``
"""

from __future__ import annotations

from alembic.operations import ops

from ..context import LintContext
from ..model import Severity
from ..registry import rule


@rule("RM606", "index-too-wide", Severity.INFO, on=(ops.CreateIndexOp,), default_enabled=False)
def check(op: ops.CreateIndexOp, ctx: LintContext) -> None:
    if not op.unique and len(op.columns) > 3:
        ctx.report(f"Index {op.index_name} has {len(op.columns)} columns; keep it to three.")
