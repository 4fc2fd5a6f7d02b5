"""No private Alembic or SQLAlchemy use outside ``flask_remodel._alembic``.

An AST scan of ``src/flask_remodel``. Outside the seam it fails on:

* a private import: ``from alembic.script.base import _x``, ``import alembic._x``;
* a private attribute: ``x._name`` (read, written or deleted) where ``_name``
  is a private name of the installed Alembic or SQLAlchemy, on anything but
  ``self``/``cls`` of a class of our own; the same name as a string
  (``getattr(x, "_name")``);
* patching: assigning or deleting an attribute of anything imported from
  Alembic or SQLAlchemy (``EnvironmentContext.configure = ...``,
  ``setattr(Operations, ...)``), replacing a method of a live object with a
  wrapper of itself (``batch_op.invoke = wrap(batch_op.invoke)``), writing an
  object's ``__dict__``, ``mock.patch`` of an ``alembic.``/``sqlalchemy.`` target;
* matching Alembic's message text: a string literal tested against text
  (``in``, ``==``, ``startswith``, a ``re`` pattern) whose words are in
  Alembic's source.

The seam itself may patch (that is its job) but reads every private name
through a :class:`~flask_remodel._alembic.Pinned` entry, so the import and
attribute rules apply to it too. What cannot be seen in the AST (Alembic
pulling migration steps one at a time, the revision file-name pattern that
``revision_index/plain.py`` copies) is pinned by ``test_lazy_steps.py`` and
``test_alembic_contract.py``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import alembic
import pytest
import sqlalchemy

import flask_remodel

SOURCE = Path(str(flask_remodel.__file__)).parent
SEAM = SOURCE / "_alembic.py"
PACKAGES = ("alembic", "sqlalchemy")

#: SQLAlchemy documents these as public: ``Row`` keeps its own API under a
#: leading underscore so that it cannot clash with a column's name.
PUBLIC_UNDERSCORE_NAMES = frozenset({"_mapping", "_asdict", "_fields", "_t", "_tuple"})

#: (file under src/flask_remodel, rule): why it cannot go through the seam.
ALLOWED = {
    ("revision_index/header.py", "private name as a string"): (
        "the revision index must not import Alembic (tests/unit/test_light_import.py); "
        "it names the module attribute Script.longdoc probes, '_alembic_source_encoding', "
        "to leave files that set it to Alembic (pinned by test_alembic_contract.py)"
    ),
    ("_lazy.py", "writes an object's __dict__"): (
        "stores a resolved lazy export in flask_remodel's own package module, not in an "
        "Alembic or SQLAlchemy object"
    ),
}


@cache
def private_names() -> frozenset[str]:
    """Every ``_name`` (not dunder) in the installed Alembic's or SQLAlchemy's source."""
    found: set[str] = set()
    for package in (alembic, sqlalchemy):
        for path in Path(str(package.__file__)).parent.rglob("*.py"):
            text = path.read_text(encoding="utf-8", errors="replace")
            found.update(re.findall(r"(?<![\w])_[A-Za-z][A-Za-z0-9_]*", text))
    return frozenset(found - PUBLIC_UNDERSCORE_NAMES)


@cache
def alembic_messages() -> str:
    """Every string in Alembic's code (its messages among them), one per line.

    Docstrings are left out, and so are Alembic's own regular expressions.
    """
    found: list[str] = []
    for path in sorted(Path(str(alembic.__file__)).parent.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
        docstrings = {
            id(node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        }
        found.extend(
            node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in docstrings and "(?" not in node.value and "\\" not in node.value
        )
    return "\n".join(found)


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _root(node: ast.expr) -> ast.expr:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node


class Scan(ast.NodeVisitor):
    """The findings in one module: (line, rule, source text)."""

    def __init__(self, tree: ast.Module, text: str, seam: bool) -> None:
        self.text = text
        self.seam = seam
        self.findings: list[tuple[int, str, str]] = []
        self.bound: set[str] = set()  # names bound from alembic/sqlalchemy imports
        self.classes: list[tuple[bool, set[str]]] = []  # (derives from theirs, own names)
        self.type_names: set[int] = set()  # _T = TypeVar("_T"): our own name, as a string
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and node.args and getattr(
                node.func, "id", getattr(node.func, "attr", "")
            ) in ("TypeVar", "ParamSpec", "TypeVarTuple", "NewType", "NamedTuple", "namedtuple"):
                self.type_names.add(id(node.args[0]))
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.partition(".")[0] in PACKAGES:
                        self.bound.add(alias.asname or alias.name.partition(".")[0])
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                if node.module.partition(".")[0] in PACKAGES:
                    self.bound.update(alias.asname or alias.name for alias in node.names)
        self.visit(tree)

    def note(self, node: ast.AST, rule: str) -> None:
        snippet = ast.get_source_segment(self.text, node) or ""
        self.findings.append((getattr(node, "lineno", 0), rule, snippet.splitlines()[0]))

    def theirs(self, node: ast.expr) -> bool:
        root = _root(node)
        return isinstance(root, ast.Name) and root.id in self.bound

    # -- private imports ----------------------------------------------------------------

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            parts = alias.name.split(".")
            if parts[0] in PACKAGES and any(_is_private(part) for part in parts):
                self.note(node, "private import")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        parts = (node.module or "").split(".")
        if node.level == 0 and parts[0] in PACKAGES and (
            any(_is_private(part) for part in parts)
            or any(_is_private(alias.name) for alias in node.names)
        ):
            self.note(node, "private import")

    # -- private attributes -------------------------------------------------------------

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        derived = any(self.theirs(base) for base in node.bases)
        own = {
            item.name for item in node.body
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        }
        for sub in ast.walk(node):
            if isinstance(sub, ast.Attribute) and isinstance(sub.ctx, ast.Store):
                own.add(sub.attr)
            elif isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                own.add(sub.id)
        self.classes.append((derived, own))
        self.generic_visit(node)
        self.classes.pop()

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if _is_private(node.attr) and node.attr in private_names():
            receiver = node.value
            if isinstance(receiver, ast.Name) and receiver.id in ("self", "cls"):
                derived, own = self.classes[-1] if self.classes else (False, set())
                if derived and node.attr not in own:
                    self.note(node, "private attribute")
            else:
                self.note(node, "private attribute")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        value = node.value
        if (
            not self.seam  # the seam names what it pins, as strings
            and id(node) not in self.type_names
            and isinstance(value, str)
            and _is_private(value)
            and value.isidentifier()
            and value in private_names()
        ):
            self.note(node, "private name as a string")

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        for value in node.values:  # the literal parts are text, not names
            if isinstance(value, ast.FormattedValue):
                self.visit(value)

    # -- patching -----------------------------------------------------------------------

    def _stores(self, node: ast.AST, targets: list[ast.expr]) -> None:
        for target in targets:
            for sub in ast.walk(target):
                if not isinstance(sub, (ast.Attribute, ast.Subscript)):
                    continue
                if isinstance(sub.ctx, ast.Load):
                    continue
                if self.theirs(sub):
                    self.note(node, "patches Alembic or SQLAlchemy")
                if isinstance(sub, ast.Subscript) and _is_dict_of_other(sub.value):
                    self.note(node, "writes an object's __dict__")

    def visit_Assign(self, node: ast.Assign) -> None:
        self._stores(node, node.targets)
        for target in node.targets:
            if (
                isinstance(target, ast.Attribute)
                and not (isinstance(target.value, ast.Name) and target.value.id in ("self", "cls"))
                and isinstance(node.value, ast.Call)
            ):
                # x.m = wrap(x.m): the method, replaced with a wrapper of itself
                wanted = ast.dump(ast.Attribute(target.value, target.attr, ast.Load()))
                given = [*node.value.args, *(k.value for k in node.value.keywords)]
                if any(ast.dump(arg) == wanted for arg in given):
                    self.note(node, "replaces a method of a live object")
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._stores(node, [node.target])
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._stores(node, [node.target])
        self.generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        self._stores(node, node.targets)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        first = node.args[0] if node.args else None
        if name in ("setattr", "delattr") and first is not None and self.theirs(first):
            self.note(node, "patches Alembic or SQLAlchemy")
        if name in ("patch", "object", "setattr") and first is not None and (
            (isinstance(first, ast.Constant) and str(first.value).startswith(PACKAGES))
            or (name != "setattr" and self.theirs(first))
        ):
            self.note(node, "patches Alembic or SQLAlchemy")
        if (
            isinstance(func, ast.Attribute)
            and func.attr in ("pop", "update", "setdefault", "clear", "__setitem__", "__delitem__")
            and _is_dict_of_other(func.value)
        ):
            self.note(node, "writes an object's __dict__")
        # -- Alembic's message text ---------------------------------------------------
        if not self.seam:
            texts: list[ast.expr] = []
            if isinstance(func, ast.Attribute) and func.attr in ("startswith", "endswith"):
                texts = node.args[:1]
            if (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and func.value.id == "re"
            ):
                texts = node.args[:1]
            for text in texts:
                self._message(text)
        self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        if not self.seam and any(
            isinstance(op, (ast.In, ast.NotIn, ast.Eq, ast.NotEq)) for op in node.ops
        ):
            for side in [node.left, *node.comparators]:
                self._message(side)
        self.generic_visit(node)

    def _message(self, node: ast.expr) -> None:
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            return
        # The literal runs of the text (of a pattern: between its special characters)
        # that read like words of a message: not a name, not SQL keywords.
        pieces = re.split(r"\\[A-Za-z]|[\\()\[\]{}.*+?|^$]", node.value)
        if any(
            len(piece.split()) >= 3 and len(piece.strip()) >= 12 and not piece.isupper()
            and piece.strip() in alembic_messages()
            for piece in pieces
        ):
            self.note(node, "matches Alembic's message text")


def _is_dict_of_other(node: ast.expr) -> bool:
    """``x.__dict__`` for an ``x`` other than ``self``."""
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "__dict__"
        and not (isinstance(node.value, ast.Name) and node.value.id == "self")
    )


def scan(path: Path) -> list[tuple[int, str, str]]:
    text = path.read_text(encoding="utf-8")
    return Scan(ast.parse(text), text, seam=path == SEAM).findings


def _seam_rules(finding: tuple[int, str, str]) -> bool:
    return finding[1] in ("private import", "private attribute")


def findings(root: Path) -> Iterator[str]:
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        for line, rule, snippet in scan(path):
            if path.name == "_alembic.py" and not _seam_rules((line, rule, snippet)):
                continue  # the seam patches, and reads Alembic's messages
            if (relative, rule) in ALLOWED:
                continue
            yield f"{relative}:{line}: {rule}: {snippet.strip()}"


def test_nothing_outside_the_seam_uses_private_alembic_or_sqlalchemy() -> None:
    found = list(findings(SOURCE))
    assert not found, (
        "Private Alembic/SQLAlchemy use outside flask_remodel/_alembic.py: move it behind a "
        "named, documented function there (reading the name through a Pinned entry):\n"
        + "\n".join(found)
    )


def test_every_allowed_exception_is_still_needed() -> None:
    hits = {
        (path.relative_to(SOURCE).as_posix(), rule)
        for path in SOURCE.rglob("*.py")
        for _, rule, _ in scan(path)
    }
    assert set(ALLOWED) <= hits, f"no longer needed, remove: {sorted(set(ALLOWED) - hits)}"


CAUGHT = {
    "private_import.py": (
        "from alembic.script.base import _only_source_rev_file\nimport alembic.util._x\n",
        ["private import", "private import"],
    ),
    "private_attribute.py": (
        "def f(script, column, context):\n"
        "    script._upgrade_revs('head', ())\n"
        "    column._copy()\n"
        "    return getattr(context, '_in_external_transaction', False)\n",
        ["private attribute", "private attribute", "private name as a string"],
    ),
    "subclass.py": (
        "from alembic.ddl.impl import DefaultImpl\n"
        "class Impl(DefaultImpl):\n"
        "    def run(self, sql):\n"
        "        self._mine = 1\n"
        "        return self._exec(sql), self._mine\n",
        ["private attribute"],
    ),
    "patching.py": (
        "from alembic.runtime.environment import EnvironmentContext\n"
        "from alembic import op\n"
        "from unittest import mock\n"
        "def f(batch_op, context, wrap):\n"
        "    EnvironmentContext.configure = wrap\n"
        "    setattr(op, 'execute', wrap)\n"
        "    batch_op.invoke = wrap(batch_op.invoke)\n"
        "    context.__dict__['autocommit_block'] = wrap\n"
        "    context.__dict__.pop('autocommit_block')\n"
        "    mock.patch('alembic.command.upgrade')\n",
        [
            "patches Alembic or SQLAlchemy", "patches Alembic or SQLAlchemy",
            "replaces a method of a live object", "writes an object's __dict__",
            "writes an object's __dict__", "patches Alembic or SQLAlchemy",
        ],
    ),
    "messages.py": (
        "import re\n"
        "def f(exc, text):\n"
        "    if 'Target database is not up to date' in str(exc):\n"
        "        return re.search(r\"Revision (\\S+) is present more than once\", text)\n",
        ["matches Alembic's message text", "matches Alembic's message text"],
    ),
    "fine.py": (
        "import sqlalchemy as sa\n"
        "from alembic.operations import ops\n"
        "class Mine:\n"
        "    def __init__(self):\n"
        "        self._copy = None\n"
        "    def f(self, rows, op):\n"
        "        op.modify_type = sa.Integer()\n"
        "        return [r._mapping for r in rows], self._copy, f'{op}_new'\n"
        "_T = TypeVar('_T')\n",
        [],
    ),
}


@pytest.mark.parametrize("name", sorted(CAUGHT))
def test_the_scan_catches_each_kind_of_use(tmp_path: Path, name: str) -> None:
    text, rules = CAUGHT[name]
    path = tmp_path / name
    path.write_text(text)
    assert [rule for _, rule, _ in scan(path)] == rules
