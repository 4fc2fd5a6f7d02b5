"""Raw SQL the linter cannot read.

Problem: ``op.execute(...)`` text is parsed and checked like the operations,
but statements of a shape the linter does not know are not checked at all.

Safe alternative: use the ``op.*`` operation if there is one; otherwise
review the statement and acknowledge it with
``# remodel: allow[RM503] what was checked``.

Flagged: ``op.execute("ALTER TABLE account SET (fillfactor = 70)")``
"""

from __future__ import annotations

from ..context import LintContext
from ..model import Severity
from ..registry import rule
from ..sqltext import SqlStatement


@rule("RM503", "opaque-raw-sql", Severity.WARNING, on=(SqlStatement,))
def check(op: SqlStatement, ctx: LintContext) -> None:
    if op.kind in ("unknown", "alter_table_other"):
        ctx.report(
            f"The linter cannot tell what '{' '.join(op.text.split())[:80]}' locks or breaks. "
            "Review it, then acknowledge it on this line.",
        )
