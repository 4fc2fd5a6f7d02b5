"""A revision that imports the application's code.

Problem: the models change later; old revisions that import them then break
(or do something else) on a fresh database.

Safe alternative: describe the tables the revision needs inside it, with
``sa.table("account", sa.column("id"), ...)``, or reflect them.

Not flagged: helpers kept in the migrations folder itself
(``from migrations.helpers import ...``, or ``helpers`` next to the
revisions): they are versioned with the revisions, not with the app.

Flagged: ``from myapp.models import Account`` in a revision file.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from functools import lru_cache
from importlib import metadata
from pathlib import Path

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


def _in_migrations_folder(name: str, revision_path: str) -> bool:
    """Whether *name* is a module of the migrations folder the revision lives in.

    The folder is the parent of the revision's ``versions`` directory; the
    module may be named from the revisions' directory, from the folder, or
    from the project root through the folder's name (``migrations.helpers``).
    """
    versions = Path(revision_path).resolve().parent
    folder = versions.parent
    parts = name.split(".")
    for root in (versions, folder, folder.parent):
        found = root.joinpath(*parts)
        if not found.resolve().is_relative_to(folder) or found.resolve() == folder:
            continue
        if found.with_suffix(".py").is_file() or (found / "__init__.py").is_file():
            return True
    return False


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
            if _app_module(name) and not _in_migrations_folder(name, ctx.path):
                ctx.report(
                    f"The revision imports {name}: when that code changes, this revision "
                    "changes with it and breaks on fresh databases. Describe the tables "
                    "with sa.table()/sa.column() inside the revision.",
                    line=getattr(node, "lineno", 1), at=None,
                )
