"""Dropping NOT NULL lets NULLs in that the running code may not expect.

Problem: code that assumed a value breaks on NULL, and going back to NOT NULL
later fails once NULLs exist.

On MariaDB/MySQL this also happens by accident: Alembic renders every
``alter_column`` there as ``MODIFY``/``CHANGE`` with the whole column
definition, and without ``existing_nullable=False`` that definition says
``NULL``. A rename or type change of a NOT NULL column then silently drops
NOT NULL; the revision chain tells the linter the column was NOT NULL.

Safe alternative: only when every reader already tolerates NULL; acknowledge
it with ``# remodel: allow[RM206] reason``. For the accidental case pass
``existing_nullable=False``.

Flagged: ``op.alter_column("account", "email", nullable=True, existing_nullable=False)``,
and on MariaDB ``op.alter_column("account", "name", new_column_name="full_name",
existing_type=sa.String(50))`` when ``name`` is NOT NULL.
"""

from __future__ import annotations

from alembic.operations import ops

from .. import fixes
from ..context import LintContext
from ..model import Severity
from ..registry import rule
from ._common import LITE_RECREATE
from ._common import MY_INPLACE
from ._common import PG_ACCESS_EXCLUSIVE


@rule("RM206", "drop-not-null", Severity.WARNING, on=(ops.AlterColumnOp,))
def check(op: ops.AlterColumnOp, ctx: LintContext) -> None:
    if ctx.created_here(op.table_name):
        return
    family, table = ctx.target.family, op.table_name
    _, nullable = ctx.existing(op)
    if op.modify_nullable is None and family == "mysql" and nullable is False and \
            op.existing_nullable is None:
        ctx.report(
            f"On MariaDB/MySQL this alter_column rewrites the whole definition of "
            f"{table}.{op.column_name} and, lacking existing_nullable=False, makes it NULL: "
            "NOT NULL is silently dropped. Pass existing_nullable=False.",
            lock=MY_INPLACE.format(table=table), rewrites=True,
            fix=_with_existing_nullable(op, ctx),
        )
        return
    if op.modify_nullable is not True or nullable is True:
        return
    lock = {"postgresql": PG_ACCESS_EXCLUSIVE, "mysql": MY_INPLACE, "sqlite": LITE_RECREATE}
    ctx.report(
        f"{table}.{op.column_name} may now be NULL: code that assumes a value breaks, "
        "and restoring NOT NULL later fails once NULLs exist.",
        lock=lock[family].format(table=table),
        rewrites=family != "postgresql",
    )


def _with_existing_nullable(op: ops.AlterColumnOp, ctx: LintContext) -> str:
    """The flagged alter_column, with existing_nullable=False added."""
    changes = {}
    if op.modify_name:
        changes["new_column_name"] = op.modify_name
    if op.modify_type is not None:
        changes["type_"] = fixes.Code(fixes.type_code(op.modify_type))
    fix = fixes.alter_column(ctx.target.family, op.table_name, op.column_name,
                             ctx.existing(op)[0], **changes, existing_nullable=False)
    if op.modify_server_default is not False or op.modify_comment is not False:
        fix += "  # plus the server_default/comment you had"
    return fix
