"""DETACH PARTITION without CONCURRENTLY blocks the parent table.

Problem: it takes ACCESS EXCLUSIVE on the partitioned table.

Safe alternative (PostgreSQL 14+)::

    with op.get_context().autocommit_block():
        op.execute("ALTER TABLE measurement DETACH PARTITION measurement_2020 CONCURRENTLY")

Flagged: ``op.execute("ALTER TABLE measurement DETACH PARTITION measurement_2020")``
"""

from __future__ import annotations

from .. import fixes
from ..context import LintContext
from ..model import Severity
from ..registry import rule
from ..sqltext import SqlStatement
from ._common import PG_ACCESS_EXCLUSIVE


@rule(
    "RM118",
    "detach-partition-not-concurrent",
    Severity.WARNING,
    dialects=("postgresql",),
    on=(SqlStatement,),
)
def check(op: SqlStatement, ctx: LintContext) -> None:
    if op.kind != "detach_partition" or op.details.get("concurrently"):
        return
    ctx.report(
        f"DETACH PARTITION {op.name} takes ACCESS EXCLUSIVE on {op.table}. Detach it "
        "CONCURRENTLY in an autocommit block.",
        lock=PG_ACCESS_EXCLUSIVE.format(table=op.table),
        rewrites=False,
        fix=fixes.autocommit(
            f'op.execute("ALTER TABLE {op.table} DETACH PARTITION {op.name} CONCURRENTLY")'
        ),
    )
