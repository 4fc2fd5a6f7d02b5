"""A revision file read as source: its imports, its helpers, its upgrade and downgrade bodies.

Nothing is executed: the file is parsed with :mod:`ast` and the text of each
piece is cut from the file as written, comments included, so a squash keeps
the user's code exactly.
"""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from .markers import CHECKSUMS
from .markers import MARKER
from .markers import BadMarkError
from .markers import SquashMarks
from .markers import marks_of

# Module-level names Alembic reads from a revision file, and the marks of an earlier
# squash: a squash writes its own.
IDENTIFIERS = frozenset(
    {"revision", "down_revision", "branch_labels", "depends_on", MARKER, CHECKSUMS}
)
MIGRATION_FUNCTION = re.compile(r"^(upgrade|downgrade)(_\w*)?$")


class SourceError(Exception):
    """A revision file a squash cannot join with others; the text says why."""


@dataclass(frozen=True)
class Function:
    """An ``upgrade*``/``downgrade*`` function: its signature line and its body's text."""

    name: str
    signature: str
    """``def upgrade():`` as written (parameters included)."""
    body: str
    """The body, indented by four spaces, comments kept."""
    takes_arguments: bool
    assigned: frozenset[str]
    loaded: frozenset[str]
    returns_early: bool


@dataclass(frozen=True)
class Statement:
    """A top-level statement other than the revision identifiers and migration functions."""

    text: str
    names: frozenset[str]
    """The module-level names it binds."""
    is_import: bool
    is_future: bool = False


@dataclass
class RevisionSource:
    path: Path
    statements: list[Statement] = field(default_factory=list)
    functions: dict[str, Function] = field(default_factory=dict)
    marks: SquashMarks = field(default_factory=SquashMarks)
    """What the file replaced, when an earlier squash wrote it."""


def _bound_by_import(node: ast.Import | ast.ImportFrom) -> set[str]:
    return {(a.asname or a.name).split(".")[0] for a in node.names}


def _names(nodes: list[ast.stmt]) -> tuple[set[str], set[str], bool]:
    """Names assigned and read in *nodes*, and whether a ``return`` ends them early.

    Nested functions, classes and lambdas have their own scope: their inner
    names and returns do not count.
    """
    assigned: set[str] = set()
    loaded: set[str] = set()
    returns = False
    stack: list[ast.AST] = list(nodes)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Return):
            returns = True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            assigned.add(node.name)
            # Decorators and default values are evaluated in the enclosing scope.
            stack.extend(node.decorator_list)
            if not isinstance(node, ast.ClassDef):
                stack.extend(node.args.defaults)
            continue
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            assigned |= _bound_by_import(node)
        elif isinstance(node, ast.Name):
            (assigned if isinstance(node.ctx, (ast.Store, ast.Del)) else loaded).add(node.id)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            assigned.add(node.name)
        stack.extend(ast.iter_child_nodes(node))
    return assigned, loaded, returns


def _body_text(lines: list[str], node: ast.FunctionDef) -> str:
    first = node.body[0].lineno  # 1-based
    if first == node.lineno:  # "def upgrade(): pass" has no comments to keep
        return textwrap.indent("\n".join(ast.unparse(s) for s in node.body), "    ")
    # Comments between the signature and the first statement belong to the body.
    while first - 1 > node.lineno and lines[first - 2].strip().startswith("#"):
        first -= 1
    end = node.end_lineno or node.body[-1].lineno
    # Indented comments after the last statement ("# ### end Alembic commands ###") too.
    while end < len(lines) and (
        not lines[end].strip() or lines[end][:1].isspace() and lines[end].strip().startswith("#")
    ):
        end += 1
    indent = node.body[0].col_offset
    # Lines inside a multi-line string are data, not code: never re-indented.
    inside = {
        number
        for each in ast.walk(node)
        if isinstance(each, (ast.Constant, ast.JoinedStr)) and each.end_lineno
        for number in range(each.lineno + 1, each.end_lineno + 1)
    }
    out = []
    for number in range(first, end + 1):
        line = lines[number - 1]
        if number in inside or not line.strip() or line[:indent].strip():
            out.append(line if line.strip() or number in inside else "")
        else:
            out.append("    " + line[indent:])
    return "\n".join(out).rstrip()


def _segment(lines: list[str], node: ast.stmt) -> str:
    end = node.end_lineno or node.lineno
    return "\n".join(lines[node.lineno - 1 : end]).rstrip()


def read_revision(path: Path) -> RevisionSource:
    """Parse the revision file at *path*."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"cannot read {path}: {exc}") from exc
    try:
        tree = ast.parse(text, str(path))
    except SyntaxError as exc:
        raise SourceError(f"{path} is not valid Python: {exc.msg} (line {exc.lineno})") from exc
    lines = text.splitlines()
    try:
        marks = marks_of(tree)
    except BadMarkError as exc:
        raise SourceError(
            f"{path}: {exc}; put back what 'flask db squash' wrote there, or remove it"
        ) from exc
    found = RevisionSource(path, marks=marks)
    for index, node in enumerate(tree.body):
        if index == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the module docstring: the squash writes its own
        if isinstance(node, ast.FunctionDef) and MIGRATION_FUNCTION.match(node.name):
            assigned, loaded, returns = _names(node.body)
            args = node.args
            returns_note = f" -> {ast.unparse(node.returns)}" if node.returns else ""
            signature = f"def {node.name}({ast.unparse(args)}){returns_note}:"
            found.functions[node.name] = Function(
                name=node.name,
                signature=signature,
                body=_body_text(lines, node),
                takes_arguments=bool(
                    args.args or args.posonlyargs or args.kwonlyargs or args.vararg or args.kwarg
                ),
                assigned=frozenset(assigned),
                loaded=frozenset(loaded),
                returns_early=returns,
            )
            continue
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = {t.id for t in targets if isinstance(t, ast.Name)}
            if names and names <= IDENTIFIERS:
                continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            future = isinstance(node, ast.ImportFrom) and node.module == "__future__"
            found.statements.append(
                Statement(_segment(lines, node), frozenset(_bound_by_import(node)), True, future)
            )
            continue
        bound, _, _ = _names([node])
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            # Only the targets are module names; what the value reads is not bound.
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            bound = {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound = {node.name}
        found.statements.append(Statement(_segment(lines, node), frozenset(bound), False))
    return found
