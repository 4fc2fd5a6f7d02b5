"""Concurrent index builds could corrupt indexes on PostgreSQL 14.0 to 14.3.

Problem: a bug in those releases let ``CREATE INDEX CONCURRENTLY`` and
``REINDEX CONCURRENTLY`` silently build corrupt indexes.

Safe alternative: upgrade the server to 14.4 or later first. Only reported
when ``--target postgresql:14.x`` names such a version.

Flagged (target ``postgresql:14.2``): any concurrent index build.
"""

from __future__ import annotations

from typing import Any

from alembic.operations import ops

from ..context import LintContext
from ..model import Severity
from ..registry import rule
from ..sqltext import SqlStatement


@rule(
    "RM123",
    "pg-index-corruption-versions",
    Severity.ERROR,
    dialects=("postgresql",),
    on=(ops.CreateIndexOp, SqlStatement),
)
def check(op: Any, ctx: LintContext) -> None:
    version = ctx.target.version
    if version is None or not ((14, 0) <= version[:2] <= (14, 3)) or version[:2] == (14, 4):
        return
    if len(version) < 2 or version[0] != 14 or version[1] > 3:
        return
    concurrent = (isinstance(op, ops.CreateIndexOp) and op.kw.get("postgresql_concurrently")) or (
        isinstance(op, SqlStatement) and op.kind == "reindex" and op.details.get("concurrently")
    )
    if concurrent:
        ctx.report(
            f"PostgreSQL {'.'.join(str(part) for part in version)} can silently corrupt "
            "indexes built CONCURRENTLY. "
            "Upgrade the server to 14.4 or later before running this.",
        )
