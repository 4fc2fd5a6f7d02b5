"""ALTER TYPE ... ADD VALUE without a position, or used in the same transaction.

Problem: without BEFORE/AFTER the value goes last, which changes what ``<``
and ORDER BY mean for the enum if the order matters; and the new value cannot
be used in the transaction that added it.

Safe alternative: give the position, and add the value in its own revision
or in an ``autocommit_block()``::

    with op.get_context().autocommit_block():
        op.execute("ALTER TYPE mood ADD VALUE 'meh' AFTER 'ok'")

Flagged: ``op.execute("ALTER TYPE mood ADD VALUE 'meh'")``
"""

from __future__ import annotations

from .. import fixes
from ..context import LintContext
from ..model import Severity
from ..registry import rule
from ..sqltext import SqlStatement


@rule("RM122", "enum-add-value", Severity.INFO, dialects=("postgresql",), on=(SqlStatement,))
def check(op: SqlStatement, ctx: LintContext) -> None:
    assert ctx.current is not None
    if op.kind != "enum_add_value":
        return
    if op.details.get("positioned") and ctx.current.in_autocommit:
        return
    ctx.report(
        f"ADD VALUE {op.details.get('value')} to {op.name}: give BEFORE/AFTER if the order "
        "matters, and add it in an autocommit block (it cannot be used in the transaction "
        "that added it).",
        fix=fixes.autocommit(f'op.execute("{op.text}")'),
    )
