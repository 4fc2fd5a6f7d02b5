"""A ``downgrade()`` that does nothing.

Problem: a downgrade that is ``pass`` (or only raises) makes a rollback look
done while the schema stays as it was.

Safe alternative: write the downgrade, or raise an explicit error that says
the revision cannot be undone.

Not flagged: after an upgrade that changed nothing or only data (``UPDATE``/``INSERT``/
``DELETE``, a bulk insert): the schema is as it was, so there is nothing to
undo in it, and the old values a data fix overwrote cannot come back (a
downgrade that raised would only stop every rollback past it).

Flagged: ``def downgrade(): pass``
"""

from __future__ import annotations

import ast

from alembic.operations import ops

from ..context import LintContext
from ..model import Severity
from ..registry import rule
from ..sqltext import SqlStatement

# Statements that leave the schema as it was: row changes and session settings
# (SET lock_timeout ...). A bind used for unknown ends (connection_use) is not one.
_SCHEMA_KEPT = ("dml", "set")


def _empty(body: list[ast.stmt]) -> bool:
    for statement in body:
        if isinstance(statement, ast.Pass):
            continue
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
            continue  # docstring or ...
        return False
    return True


def _data_only(ctx: LintContext) -> bool:
    """Whether the upgrade was read to its end and changed no schema (a merge revision's
    empty one included: rows it reads offline come back empty, so a loop over them
    records nothing)."""
    if ctx.stopped is not None:
        return False  # not read to the end: what it did after that is not known
    for recorded in ctx.ops:
        operation = recorded.operation
        if isinstance(operation, SqlStatement) and operation.kind in _SCHEMA_KEPT:
            continue
        if isinstance(operation, ops.BulkInsertOp):
            continue
        return False  # a schema change, or raw SQL not read (it may be one)
    return True


@rule("RM506", "irreversible-downgrade", Severity.INFO, on="revision")
def check(ctx: LintContext) -> None:
    tree = ctx.tree
    if tree is None or _data_only(ctx):
        return
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("downgrade") and _empty(
            node.body
        ):
            ctx.report(
                f"{node.name}() does nothing, so a rollback silently leaves the schema as it "
                "is. Write it, or raise an error saying this revision cannot be undone.",
                line=node.lineno, at=None,
            )
