"""A ``downgrade()`` that does nothing.

Problem: a downgrade that is ``pass`` (or only raises) makes a rollback look
done while the schema stays as it was.

Safe alternative: write the downgrade, or raise an explicit error that says
the revision cannot be undone.

Flagged: ``def downgrade(): pass``
"""

from __future__ import annotations

import ast

from ..context import LintContext
from ..model import Severity
from ..registry import rule


def _empty(body: list[ast.stmt]) -> bool:
    for statement in body:
        if isinstance(statement, ast.Pass):
            continue
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
            continue  # docstring or ...
        return False
    return True


@rule("RM506", "irreversible-downgrade", Severity.INFO, on="revision")
def check(ctx: LintContext) -> None:
    tree = ctx.tree
    if tree is None:
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
