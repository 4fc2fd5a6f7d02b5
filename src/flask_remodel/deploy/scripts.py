"""What a revision file says about itself, read without running it.

The plan, the phases and the ledger's checksums all look at revision files
that may not be applied yet, so nothing here imports or calls the file's
``upgrade()``: the source is hashed or parsed with :mod:`ast`.
"""

from __future__ import annotations

import ast
import hashlib
from dataclasses import dataclass
from pathlib import Path

PHASES = ("pre", "post")
"""``remodel_phase`` values: run before the new code is deployed, or only after it."""

# Operations whose downgrade cannot bring back what they removed.
_DESTRUCTIVE = {"drop_table", "drop_column", "drop_index", "drop_constraint", "execute"}


def checksum(path: str | Path) -> str:
    """SHA-256 of the file's bytes (what the ledger stores and ``validate`` compares)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@dataclass(frozen=True)
class RevisionFacts:
    """The static facts of one revision file."""

    phase: str | None
    """``"pre"``, ``"post"`` or ``None`` (unmarked: runs with the pre-deploy ones)."""
    upgrade_ops: tuple[str, ...]
    downgrade_ops: tuple[str, ...]
    reversible: bool
    """False when ``downgrade()`` is empty or raises."""
    loses_data: bool
    """True when ``upgrade()`` drops something a downgrade cannot bring back."""


# ``op`` functions that change nothing themselves: a name helper (``op.f``), the
# block whose ``batch_op.*`` calls are listed on their own, and the accessors.
_NOT_OPERATIONS = frozenset(
    {"f", "batch_alter_table", "get_bind", "get_context", "inline_literal", "run_async"}
)


def _function(tree: ast.Module, name: str) -> ast.FunctionDef | None:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return node
    return None


def _operations(func: ast.FunctionDef | None, source: str) -> tuple[str, ...]:
    """``op.<name>(...)`` calls in *func*, in source order, as one line each."""
    if func is None:
        return ()
    found: list[tuple[int, int, str]] = []
    for node in ast.walk(func):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner = node.func.value
        if node.func.attr in _NOT_OPERATIONS:
            continue
        if isinstance(owner, ast.Name) and owner.id in ("op", "batch_op"):
            text = ast.get_source_segment(source, node) or f"{owner.id}.{node.func.attr}(...)"
            line = " ".join(text.split())
            found.append((node.lineno, node.col_offset, line[:200]))
    return tuple(text for _, _, text in sorted(found))


def _does_nothing(func: ast.FunctionDef | None) -> bool:
    if func is None:
        return True
    body = [
        node for node in func.body
        if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))
    ]
    if all(isinstance(node, ast.Pass) for node in body):
        return True
    return any(isinstance(node, ast.Raise) for node in body)


def declared_phase(tree: ast.Module) -> str | None:
    """The value of a module-level ``remodel_phase = "pre"|"post"``."""
    for node in tree.body:
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(node, ast.Assign):
            targets, value = list(node.targets), node.value
        elif isinstance(node, ast.AnnAssign):
            targets, value = [node.target], node.value
        for target in targets:
            if isinstance(target, ast.Name) and target.id == "remodel_phase":
                if isinstance(value, ast.Constant) and value.value in PHASES:
                    return str(value.value)
                raise ValueError(
                    f"remodel_phase must be one of {', '.join(map(repr, PHASES))}"
                )
    return None


def revision_facts(path: str | Path) -> RevisionFacts:
    """Parse the revision file at *path* (never imports it)."""
    source = Path(path).read_text(encoding="utf-8")
    tree = ast.parse(source, filename=str(path))
    upgrade = _function(tree, "upgrade")
    downgrade = _function(tree, "downgrade")
    up_ops = _operations(upgrade, source)
    names = {text.split("(", 1)[0].split(".", 1)[-1] for text in up_ops}
    return RevisionFacts(
        phase=declared_phase(tree),
        upgrade_ops=up_ops,
        downgrade_ops=_operations(downgrade, source),
        reversible=not _does_nothing(downgrade) or _does_nothing(upgrade),
        loses_data=bool(names & (_DESTRUCTIVE - {"execute"})),
    )
