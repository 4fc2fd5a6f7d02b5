"""The graph package stands alone: plain-Alembic tools can use it without Flask."""

from __future__ import annotations

import ast
from pathlib import Path

import flask_remodel.graph

PACKAGE = Path(flask_remodel.graph.__file__).parent


def test_graph_package_imports_neither_flask_nor_the_rest_of_flask_remodel() -> None:
    checked = 0
    for path in sorted(PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level == 1:  # a sibling module of this package
                    continue
                assert node.level == 0, f"{path.name} imports from outside the package"
                names = [node.module or ""]
            else:
                continue
            for name in names:
                checked += 1
                top = name.split(".")[0]
                assert top not in ("flask", "flask_remodel", "sqlalchemy"), f"{path.name}: {name}"
    assert checked > 5
