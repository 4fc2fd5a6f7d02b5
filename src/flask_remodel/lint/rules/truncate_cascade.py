"""TRUNCATE ... CASCADE empties every table that references this one.

Problem: CASCADE follows foreign keys and silently truncates the referencing
tables as well.

Safe alternative: name each table to empty explicitly, without CASCADE.

Flagged: ``op.execute("TRUNCATE account CASCADE")``
"""

from __future__ import annotations

from ..context import LintContext
from ..model import Severity
from ..registry import rule
from ..sqltext import SqlStatement
from ._common import PG_ACCESS_EXCLUSIVE


@rule("RM302", "truncate-cascade", Severity.ERROR, dialects=("postgresql",), on=(SqlStatement,))
def check(op: SqlStatement, ctx: LintContext) -> None:
    if op.kind != "truncate" or not op.details.get("cascade"):
        return
    others = sorted({fk.table for _, fk in ctx.schema.referencing(op.table or "")})
    also = f" (here: {', '.join(others)})" if others else ""
    ctx.report(
        f"TRUNCATE {op.table} CASCADE also empties every table referencing it{also}. "
        "List the tables to empty explicitly.",
        lock=PG_ACCESS_EXCLUSIVE.format(table=op.table),
        rewrites=True,
    )
