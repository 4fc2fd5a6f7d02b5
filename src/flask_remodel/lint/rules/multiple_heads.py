"""The revision history has more than one head.

Problem: ``upgrade head`` cannot choose, so the deploy fails; two branches
may also change the same table in incompatible ways.

Safe alternative: ``flask db merge`` to join the heads, and run
``flask db lint`` (or ``flask db heads``) in CI.

Flagged: two revisions with the same ``down_revision``.
"""

from __future__ import annotations

from ..context import LintContext
from ..model import Severity
from ..registry import rule


@rule("RM701", "multiple-heads", Severity.ERROR, on="history")
def check(ctx: LintContext) -> None:
    if len(ctx.heads) > 1:
        ctx.report(
            f"The history has {len(ctx.heads)} heads ({', '.join(ctx.heads)}): 'upgrade head' "
            "will fail. Run 'flask db merge' to join them.",
            line=1, at=None,
        )
