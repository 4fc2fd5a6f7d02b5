"""An acknowledgement comment that no longer matches any finding.

Problem: ``# remodel: allow[RULE] reason`` comments outlive the code they
excused (the operation moved, or the rule stopped applying) and then hide
the next real finding on that line.

Safe alternative: remove the comment, or move it onto the operation it is
meant for (on the call's own lines, or on the line just above it).

Flagged: ``# remodel: allow[RM201] legacy`` on a line with no dropped column.
"""

from __future__ import annotations

from ..context import LintContext
from ..model import Severity
from ..registry import rule


@rule("RM001", "unused-acknowledgement", Severity.WARNING, on="acknowledgements")
def check(ctx: LintContext) -> None:
    """Reported by the engine while it matches acknowledgements (see ``ignore.py``)."""
