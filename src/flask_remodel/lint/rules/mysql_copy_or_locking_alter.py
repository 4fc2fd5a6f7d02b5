"""An ALTER that asks MariaDB/MySQL for ALGORITHM=COPY or a blocking LOCK.

Problem: ``ALGORITHM=COPY`` copies the table with writes blocked;
``LOCK=SHARED`` blocks writes and ``LOCK=EXCLUSIVE`` reads and writes, for
the whole ALTER. (Operations that the server would silently run as COPY are
reported by their own rules: RM108, RM110, RM111, RM106.)

Safe alternative: ask for ``ALGORITHM=INSTANT`` or ``ALGORITHM=INPLACE,
LOCK=NONE`` so the server fails fast instead of copying. A change the
server can only do by copying is done without blocking writes by
Flask-Remodel's online operations (``op.alter_column_type_online``,
``op.create_check_constraint_online``...): they run it through
``pt-online-schema-change`` (``apt-get install percona-toolkit``), which
copies the table in chunks while writes go on and swaps it in atomically
(docs/big-tables-mariadb.md).

Flagged: ``op.execute("ALTER TABLE account ADD COLUMN x INT, ALGORITHM=COPY")``
"""

from __future__ import annotations

from ..context import LintContext
from ..model import Severity
from ..registry import rule
from ..sqltext import SqlStatement
from ._common import MY_COPY


@rule(
    "RM120", "mysql-copy-or-locking-alter", Severity.ERROR, dialects=("mysql",), on=(SqlStatement,)
)
def check(op: SqlStatement, ctx: LintContext) -> None:
    if op.kind != "mysql_alter_option":
        return
    option, value = op.details.get("option"), op.details.get("value")
    if (option, value) in (("ALGORITHM", "COPY"), ("LOCK", "SHARED"), ("LOCK", "EXCLUSIVE")):
        ctx.report(
            f"{option}={value} blocks writes to {op.table} for the whole ALTER. Ask for "
            "ALGORITHM=INSTANT or ALGORITHM=INPLACE, LOCK=NONE so the server refuses "
            "instead of blocking; a change it can only copy runs without blocking writes "
            "through an online operation (op.alter_column_type_online...), which uses "
            "pt-online-schema-change (docs/big-tables-mariadb.md).",
            lock=MY_COPY.format(table=op.table),
            rewrites=value == "COPY",
        )
