"""On MySQL before 8.0.29 a column added FIRST or AFTER another cannot be INSTANT.

Problem: older MySQL only adds columns instantly at the end of the table;
positioned adds rebuild it. (MariaDB 10.11 did FIRST/AFTER instantly.)

Safe alternative: add the column at the end.

Flagged (target ``mysql:8.0.20``): ``op.execute("ALTER TABLE t ADD COLUMN c INT AFTER a")``
"""

from __future__ import annotations

from alembic.operations import ops

from ..context import LintContext
from ..model import Severity
from ..registry import rule
from ._common import MY_INPLACE


@rule("RM121", "mysql-instant-limits", Severity.INFO, dialects=("mysql",), on=(ops.AddColumnOp,))
def check(op: ops.AddColumnOp, ctx: LintContext) -> None:
    if ctx.target.name != "mysql" or not ctx.target.below(8, 0, 29):
        return
    if op.column.info.get("positioned") or op.kw.get("mysql_after") or op.kw.get("mysql_first"):
        version = ".".join(str(part) for part in ctx.target.version or ())
        ctx.report(
            f"MySQL {version} cannot add {op.column.name} instantly when it is not the "
            "last column: the table is rebuilt. Add it at the end.",
            lock=MY_INPLACE.format(table=op.table_name),
            rewrites=True,
        )
