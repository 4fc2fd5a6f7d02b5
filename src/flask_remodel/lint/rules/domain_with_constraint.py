"""A CHECK on a domain is re-validated on every column that uses it.

Problem: adding or changing a domain's constraint scans every table with a
column of that domain, and later changes to it tend to force rewrites.

Safe alternative: put the CHECK on the columns (where it can be added NOT
VALID and validated separately).

Flagged: ``op.execute("CREATE DOMAIN positive AS integer CHECK (VALUE > 0)")``
"""

from __future__ import annotations

from ..context import LintContext
from ..model import Severity
from ..registry import rule
from ..sqltext import SqlStatement


@rule(
    "RM119", "domain-with-constraint", Severity.INFO, dialects=("postgresql",), on=(SqlStatement,)
)
def check(op: SqlStatement, ctx: LintContext) -> None:
    if op.kind == "domain_constraint":
        ctx.report(
            "A domain constraint is checked on every column of that domain; put the CHECK on "
            "the columns instead (NOT VALID, then VALIDATE).",
        )
