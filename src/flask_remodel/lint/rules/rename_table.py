"""Renaming a table breaks the instances still using the old name.

Problem: old code queries the old name until it is replaced.

Safe alternative: keep ``__tablename__``; or rename and leave a view with the
old name for the rollout, dropped in a later revision::

    op.rename_table("account", "member")
    op.execute("CREATE VIEW account AS SELECT * FROM member")

Flagged: ``op.rename_table("account", "member")`` with no view left behind.
"""

from __future__ import annotations

from alembic.operations import ops

from ..context import LintContext
from ..model import Severity
from ..registry import rule


@rule("RM204", "rename-table", Severity.ERROR, on=(ops.RenameTableOp,))
def check(op: ops.RenameTableOp, ctx: LintContext) -> None:
    if ctx.created_here(op.table_name):
        return
    old, new = op.table_name, op.new_table_name
    view = f"CREATE VIEW {old}".lower()
    for later in ctx.ops[ctx.current.index + 1 :] if ctx.current else []:
        if later.sql and view in " ".join(later.sql.lower().split()):
            return
    ctx.report(
        f"Renaming table {old} to {new} breaks instances still using {old}. Leave a view with "
        "the old name for the rollout, or keep the table name.",
        fix=(
            f"op.rename_table({old!r}, {new!r})\n"
            f'op.execute("CREATE VIEW {old} AS SELECT * FROM {new}")\n'
            "# drop the view in a post-deploy revision of the next release"
        ),
    )
