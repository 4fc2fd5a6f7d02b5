"""Renaming a column breaks the instances still using the old name.

Problem: during a rolling deploy the old code queries the old name and fails.
Alembic's PostgreSQL rename renders as ``ALTER TABLE t RENAME a TO b`` (no
COLUMN keyword), which SQL-text linters have missed; here the operation itself
is read.

Safe alternative: keep the database name and rename only the attribute::

    email_address = mapped_column("email", String(50))

or expand/contract (add the new column, write both, backfill, switch, drop).

Flagged: ``op.alter_column("account", "email", new_column_name="email_address")``
"""

from __future__ import annotations

from alembic.operations import ops

from ..context import LintContext
from ..model import Severity
from ..registry import rule


@rule("RM203", "rename-column", Severity.ERROR, on=(ops.AlterColumnOp,))
def check(op: ops.AlterColumnOp, ctx: LintContext) -> None:
    if not op.modify_name or op.modify_name == op.column_name or ctx.created_here(op.table_name):
        return
    table, old, new = op.table_name, op.column_name, op.modify_name
    ctx.report(
        f"Renaming {table}.{old} to {new} breaks instances still using {old}. Keep the column "
        "name and rename the model attribute instead, or expand/contract.",
        fix=(
            f"# in the model, keep the database name:\n"
            f"{new} = mapped_column({old!r}, ...)\n# and drop this alter_column"
        ),
    )
