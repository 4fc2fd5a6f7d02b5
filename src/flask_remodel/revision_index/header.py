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
import dis
import importlib.util
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from types import CodeType
from typing import Any

#: The module attributes Alembic's ``Script`` reads, plus the one ``longdoc`` probes
#: (``_alembic_source_encoding``, private; tests/seam pins that Alembic still reads it).
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
        if not (
            isinstance(data, dict)
            and data.keys() == _STORED_KEYS
            and isinstance(data["revision"], str)
        ):
            raise ValueError("not a stored header")
        doc = data["doc"]
        if doc is not None and not isinstance(doc, str):
            raise ValueError("not a stored header")
        return cls(
            data["revision"],
            _from_json(data["down_revision"]),
            _from_json(data["branch_labels"]),
            _from_json(data["depends_on"]),
            doc,
        )


_STORED_KEYS = frozenset({"revision", "down_revision", "branch_labels", "depends_on", "doc"})


def _to_json(value: RevisionIds) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _from_json(value: Any) -> RevisionIds:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ValueError("not a stored header")


def read_header(source: bytes) -> Header | None:
    """The header of a revision file's *source*, or ``None`` when it must be imported.

    Two readers, cheapest first. Compiling to bytecode is about three times
    faster than building a Python syntax tree, and for the straight-line files
    Alembic's templates write, the module's instructions say exactly which
    constant each name gets; any other file goes to the syntax tree.
    """
    try:
        text = importlib.util.decode_source(source)
        code = compile(text, "<revision>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, UnicodeDecodeError, LookupError):
        return None  # importing it raises the error Alembic users expect
    if _has_dynamic_names(code):
        return None
    found = _straight_line_constants(code)
    if found is not None:
        values, doc = found
    else:
        tree = ast.parse(text)
        tree_values = _literal_assignments(tree)
        if tree_values is None:
            return None
        values, doc = tree_values, ast.get_docstring(tree, clean=False)
    return _header(values, doc)


def _header(values: dict[str, object], doc: str | None) -> Header | None:
    if "_alembic_source_encoding" in values:
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
    return Header(revision, down, labels, depends, doc)


# CPython releases whose module bytecode this reader was checked against: on any
# other release (or implementation) the syntax tree answers instead. A new release
# is added once tests/revision_index/test_header.py passes on it; that test fails on a
# release missing here, so the table cannot fall behind unnoticed.
CHECKED_BYTECODE_VERSIONS = frozenset({(3, 10), (3, 11), (3, 12), (3, 13)})
_BYTECODE = (
    sys.implementation.name == "cpython" and sys.version_info[:2] in CHECKED_BYTECODE_VERSIONS
)

_OP = dis.opmap


def _opcodes(*names: str) -> frozenset[int]:
    """The opcodes of *names* this release has (opcodes come and go between releases)."""
    return frozenset(_OP[name] for name in names if name in _OP)


_JUMPS = frozenset(dis.hasjrel + dis.hasjabs + list(getattr(dis, "hasjump", [])))
_STORES = _opcodes("STORE_NAME", "DELETE_NAME", "STORE_GLOBAL", "DELETE_GLOBAL")
_GLOBAL_STORES = _opcodes("STORE_GLOBAL", "DELETE_GLOBAL")
# After these the module's names cannot be read off its stores. A star import is
# IMPORT_STAR up to 3.11 and an intrinsic call from 3.12 on; other intrinsics
# (unary plus, building a tuple from a list) are rare at module level, so any
# intrinsic call hands the file to the syntax tree.
_UNDECIDED = _opcodes("IMPORT_STAR", "CALL_INTRINSIC_1")
_STORE_NAME = _OP.get("STORE_NAME")
_LOAD_CONST = _OP.get("LOAD_CONST")
_EXTENDED_ARG = _OP.get("EXTENDED_ARG")
_CALLS = frozenset(op for name, op in _OP.items() if name.startswith(("CALL", "PRECALL")))
_SKIPPED = _opcodes("EXTENDED_ARG", "CACHE")


def _instructions(code: CodeType) -> Iterator[tuple[int, int]]:
    """``(opcode, argument)`` pairs of *code*, without ``dis``'s per-instruction objects.

    ``dis.get_instructions`` costs more than compiling the file; the module
    code of a revision needs only opcodes and plain arguments.
    """
    raw = code.co_code
    extended = 0
    for offset in range(0, len(raw), 2):
        op, arg = raw[offset], raw[offset + 1] | extended
        extended = arg << 8 if op == _EXTENDED_ARG else 0
        if op not in _SKIPPED:
            yield op, arg


def _nested_codes(code: CodeType) -> list[CodeType]:
    found = [const for const in code.co_consts if isinstance(const, CodeType)]
    for nested in list(found):
        found.extend(_nested_codes(nested))
    return found


def _has_dynamic_names(code: CodeType) -> bool:
    """Whether the module's import could rewrite its globals behind its assignments.

    Function bodies count only when the module's own code calls something
    (a decorator, a class body, a helper): without a call, no function of the
    file runs during the import. The multi-database template's
    ``globals()[f"upgrade_{engine_name}"]()`` is such a body.
    """
    if _mentions_dynamic(code):
        return True
    nested = _nested_codes(code)
    if not nested or (_BYTECODE and not any(op in _CALLS for op, _ in _instructions(code))):
        return False
    return any(_mentions_dynamic(each) for each in nested)


def _mentions_dynamic(code: CodeType) -> bool:
    return not (
        _DYNAMIC_NAMES.isdisjoint(code.co_names) and _DYNAMIC_ATTRIBUTES.isdisjoint(code.co_names)
    )


def _straight_line_constants(code: CodeType) -> tuple[dict[str, object], str | None] | None:
    """``name = constant`` stores of the header names and ``__doc__``, read from bytecode.

    ``None`` (undecided: use the syntax tree) for module code with any jump or
    exception handling (``if``, ``for``, ``try``, ``with`` ...), a header name
    stored twice or from anything but one constant (the compiler has already
    folded ``'a' + 'b'``, exactly as it would at import), a star import, or
    functions that declare a header name ``global``.
    """
    exception_table: bytes = getattr(code, "co_exceptiontable", b"")  # Python 3.11+
    if not _BYTECODE or exception_table:
        return None
    watched = HEADER_NAMES | {"__doc__"}
    values: dict[str, object] = {}
    previous: tuple[int, int] | None = None
    for op, arg in _instructions(code):
        if op in _JUMPS or op in _UNDECIDED:
            return None
        if op in _STORES and code.co_names[arg] in watched:
            if (
                op != _STORE_NAME
                or previous is None
                or previous[0] != _LOAD_CONST
                or code.co_names[arg] in values
            ):
                return None
            values[code.co_names[arg]] = code.co_consts[previous[1]]
        previous = (op, arg)
    for nested in _nested_codes(code):
        if not HEADER_NAMES.isdisjoint(nested.co_names) and any(
            op in _GLOBAL_STORES and nested.co_names[arg] in HEADER_NAMES
            for op, arg in _instructions(nested)
        ):
            return None
    doc = values.pop("__doc__", None)
    return values, doc if isinstance(doc, str) else None


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
