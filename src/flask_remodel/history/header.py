"""Reading a revision file's header without running it.

Alembic learns a revision's place in the graph by importing its file and
reading four module attributes. Those are almost always plain literals at the
top of the file, as the script template writes them, so they can be read
from the syntax tree instead. Whenever the tree leaves any doubt about what
the imported module would hold (a computed id, a second assignment, an
assignment inside an ``if``, ``globals()`` tricks, a star import ...), the
reader answers ``None`` and the caller imports the file as Alembic would:
being slower on odd files is fine, disagreeing with Alembic is not.

This module imports neither Alembic nor SQLAlchemy.
"""

from __future__ import annotations

import ast
import importlib.util
from dataclasses import dataclass
from typing import Any

#: The module attributes Alembic's ``Script`` reads, plus the one ``longdoc`` probes.
HEADER_NAMES = frozenset(
    {"revision", "down_revision", "branch_labels", "depends_on", "_alembic_source_encoding"}
)

# Names whose use could change module attributes behind an assignment's back.
_DYNAMIC_NAMES = frozenset(
    {"globals", "vars", "locals", "exec", "eval", "setattr", "delattr", "__import__", "__dict__",
     "__name__", "__builtins__", "compile", "importlib"}
)
_DYNAMIC_ATTRIBUTES = frozenset({"__dict__", "modules", "__setattr__"})

RevisionIds = str | tuple[str, ...] | None


@dataclass(frozen=True)
class Header:
    """What Alembic would read from the imported module, read statically."""

    revision: str
    down_revision: RevisionIds = None
    branch_labels: RevisionIds = None
    depends_on: RevisionIds = None
    doc: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "revision": self.revision,
            "down_revision": _to_json(self.down_revision),
            "branch_labels": _to_json(self.branch_labels),
            "depends_on": _to_json(self.depends_on),
            "doc": self.doc,
        }

    @classmethod
    def from_json(cls, data: Any) -> Header:
        """The header stored by :meth:`to_json`; ``ValueError`` if it is not one."""
        if not isinstance(data, dict) or not isinstance(data.get("revision"), str):
            raise ValueError("not a stored header")
        doc = data.get("doc")
        if doc is not None and not isinstance(doc, str):
            raise ValueError("not a stored header")
        return cls(
            data["revision"],
            _from_json(data.get("down_revision")),
            _from_json(data.get("branch_labels")),
            _from_json(data.get("depends_on")),
            doc,
        )


def _to_json(value: RevisionIds) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _from_json(value: Any) -> RevisionIds:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ValueError("not a stored header")


def read_header(source: bytes) -> Header | None:
    """The header of a revision file's *source*, or ``None`` when it must be imported."""
    try:
        text = importlib.util.decode_source(source)
        tree = ast.parse(text)
    except (SyntaxError, ValueError, UnicodeDecodeError, LookupError):
        return None  # importing it raises the error Alembic users expect
    values = _literal_assignments(tree)
    if values is None or "_alembic_source_encoding" in values:
        return None
    revision = values.get("revision")
    if not isinstance(revision, str):
        return None  # no id (Alembic's legacy file-name rule) or a non-string one
    try:
        down = _ids(values.get("down_revision"), "down_revision" in values)
        labels = _ids(values.get("branch_labels"))
        depends = _ids(values.get("depends_on"))
    except ValueError:
        return None
    return Header(revision, down, labels, depends, ast.get_docstring(tree, clean=False))


def _ids(value: object, required: bool = True) -> RevisionIds:
    if not required:
        raise ValueError("Alembic raises AttributeError without down_revision")
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (tuple, list)) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ValueError("not a revision id or a sequence of them")


def _literal_assignments(tree: ast.Module) -> dict[str, object] | None:
    """Top-level ``name = literal`` values of the header names; ``None`` if in doubt."""
    accepted: dict[int, tuple[str, object]] = {}
    for statement in tree.body:
        target, value = _simple_assignment(statement)
        if target in HEADER_NAMES and value is not None:
            if any(name == target for name, _ in accepted.values()):
                return None  # assigned twice: the module keeps the last, keep it simple
            try:
                accepted[id(statement)] = (target, ast.literal_eval(value))
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                return None
    accepted_targets = {
        id(node)
        for statement in tree.body
        if id(statement) in accepted
        for node in ast.walk(statement)
        if isinstance(node, ast.Name) and node.id in HEADER_NAMES
    }
    for node in ast.walk(tree):
        if _rebinds_header(node, accepted_targets) or _is_dynamic(node):
            return None
    return dict(accepted.values())


def _simple_assignment(statement: ast.stmt) -> tuple[str | None, ast.expr | None]:
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        target = statement.targets[0]
        if isinstance(target, ast.Name):
            return target.id, statement.value
    if isinstance(statement, ast.AnnAssign) and statement.value is not None:
        if isinstance(statement.target, ast.Name):
            return statement.target.id, statement.value
    return None, None


def _rebinds_header(node: ast.AST, accepted: set[int]) -> bool:
    """Whether *node* could bind a header name other than the accepted assignments."""
    if isinstance(node, ast.Name):
        stores = not isinstance(node.ctx, ast.Load)
        return stores and node.id in HEADER_NAMES and id(node) not in accepted
    if isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)):
        return node.name in HEADER_NAMES
    if isinstance(node, (ast.Global, ast.Nonlocal)):
        return any(name in HEADER_NAMES for name in node.names)
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return any(
            alias.name == "*" or (alias.asname or alias.name).split(".")[0] in HEADER_NAMES
            for alias in node.names
        )
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return node.name in HEADER_NAMES
    return False


def _is_dynamic(node: ast.AST) -> bool:
    if isinstance(node, ast.Name):
        return node.id in _DYNAMIC_NAMES
    if isinstance(node, ast.Attribute):
        return node.attr in _DYNAMIC_ATTRIBUTES
    return False
