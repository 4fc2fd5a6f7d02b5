"""A revision that imports the application's code.

Problem: the models change later; old revisions that import them then break
(or do something else) on a fresh database.

Safe alternative: describe the tables the revision needs inside it, with
``sa.table("account", sa.column("id"), ...)``, or reflect them.

Flagged: ``from myapp.models import Account`` in a revision file.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from functools import lru_cache
from importlib import metadata

from ..context import LintContext
from ..model import Severity
from ..registry import rule

_ALLOWED = {"alembic", "sqlalchemy", "flask_remodel", "flask_migrate", "__future__"}


@lru_cache(maxsize=1)
def _installed() -> frozenset[str]:
    """Top-level names of installed distributions (third-party libraries are fine)."""
    try:
        return frozenset(metadata.packages_distributions())
    except Exception:  # pragma: no cover - broken metadata
        return frozenset()


def _app_module(name: str) -> bool:
    top = name.split(".")[0]
    if top in _ALLOWED or top in sys.stdlib_module_names:
        return False
    return "models" in name.split(".") or top not in _installed()


# Nodes whose list fields hold statements: imports are statements, so the search
# never needs to enter an expression (most of a revision's nodes are the
# arguments of its op.* calls, which ast.walk would visit one by one).
_BLOCKS = (ast.stmt, ast.excepthandler, ast.match_case)


def _import_statements(tree: ast.Module) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement, at module level or nested in any block."""
    pending: list[ast.AST] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
            continue
        for _, value in ast.iter_fields(node):
            if isinstance(value, list):
                pending.extend(item for item in value if isinstance(item, _BLOCKS))


@rule("RM505", "migration-imports-app-models", Severity.WARNING, on="revision")
def check(ctx: LintContext) -> None:
    tree = ctx.tree
    if tree is None:
        return
    for node in sorted(_import_statements(tree), key=lambda found: found.lineno):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        for name in names:
            if _app_module(name):
                ctx.report(
                    f"The revision imports {name}: when that code changes, this revision "
                    "changes with it and breaks on fresh databases. Describe the tables "
                    "with sa.table()/sa.column() inside the revision.",
                    line=getattr(node, "lineno", 1), at=None,
                )
