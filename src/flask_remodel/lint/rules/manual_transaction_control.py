"""BEGIN, COMMIT or ROLLBACK in a migration fights Alembic's own transaction.

Problem: a COMMIT ends the transaction Alembic opened (the version-table
update may then land apart from the schema change); a BEGIN nests or warns;
a ROLLBACK discards what ran before it.

Safe alternative: ``with op.get_context().autocommit_block():`` for
statements that must run outside a transaction, and
``transaction_per_migration=True``.

Flagged: ``op.execute("COMMIT")``
"""

from __future__ import annotations

from .. import fixes
from ..context import LintContext
from ..model import Severity
from ..registry import rule
from ..sqltext import SqlStatement


@rule("RM502", "manual-transaction-control", Severity.ERROR, on=(SqlStatement,))
def check(op: SqlStatement, ctx: LintContext) -> None:
    if op.kind == "transaction_control":
        ctx.report(
            f"'{op.text}' fights the transaction Alembic manages for this migration. Use "
            "op.get_context().autocommit_block() for statements that must run outside one.",
            fix=fixes.autocommit("...  # the statements that must not run in a transaction"),
        )
