"""Renaming a schema breaks everything that names it.

Problem: as a table rename (RM204), for every object in the schema.

Safe alternative: create the new schema, move objects, keep the old name
working (views) for the rollout.

Flagged: ``op.execute("ALTER SCHEMA sales RENAME TO billing")``
"""

from __future__ import annotations

from ..context import LintContext
from ..model import Severity
from ..registry import rule
from ..sqltext import SqlStatement


@rule("RM210", "rename-schema", Severity.ERROR, dialects=("postgresql",), on=(SqlStatement,))
def check(op: SqlStatement, ctx: LintContext) -> None:
    if op.kind == "rename_schema":
        ctx.report(
            f"Renaming schema {op.name} to {op.details.get('new')} breaks every query that "
            "names it while old instances run.",
        )
