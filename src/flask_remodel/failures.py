"""What a failure inside a revision says: the exception, and the revision's line that ran it.

A revision that fails deep inside Alembic or SQLAlchemy leaves a traceback
whose last lines are library code (``assert name is not None`` in SQLAlchemy's
compiler) and whose message may be a bare word (``NoSuchTableError('columns')``
prints ``columns``). What the user can act on is the line of *their* revision
that was running and the kind of exception, so both are read from the
traceback here. No Flask: the deploy runner and the API both use it.
"""

from __future__ import annotations

import ast
import linecache
import re
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from sqlalchemy.exc import DBAPIError

from .urls import mask_passwords

_LIBRARIES = ("alembic", "sqlalchemy")
"""Packages whose unexpected exceptions, raised under a revision, are the revision's failure."""
_OURS = "flask_remodel"
_LONGEST = 160
_ADDRESS = re.compile(r"<(?:[\w.]+\.)?(\w+) object at 0x[0-9a-fA-F]+>")
_INSPECTORS = {
    "foreignkey": "get_foreign_keys",
    "unique": "get_unique_constraints",
    "check": "get_check_constraints",
    "primary": "get_pk_constraint",
}


def failure_reason(exc: BaseException) -> str:
    """One line saying what went wrong, with any password masked.

    A database error is the server's own message, which names the problem
    (``relation "x" does not exist``). Anything else is prefixed with its
    type: ``NoSuchTableError: columns`` where ``str()`` alone says ``columns``,
    and an ``AssertionError`` with no message is at least named.
    """
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        text = str(exc.orig).strip()
    else:
        own = str(exc).strip()
        text = f"{type(exc).__name__}: {own}" if own else type(exc).__name__
    lines = text.splitlines()
    first = lines[0] if lines else type(exc).__name__
    # Reprs inside library messages carry memory addresses that say nothing.
    return mask_passwords(_ADDRESS.sub(r"<\1>", first))


@dataclass(frozen=True)
class FailedAt:
    """Where in a revision an exception was raised."""

    revision: str
    line: int
    statement: str | None
    """The statement on that line, as code (``op.drop_constraint(None, 'child', ...)``)."""
    in_library: bool
    """Raised inside Alembic or SQLAlchemy (called by that line), not by the revision's own code."""
    hint: str = ""
    """What to change, when the statement shows it (a constraint dropped without its name)."""
    commits_before: bool = False
    """An earlier line of the revision commits on its own (an autocommit block, a batched
    backfill, an online operation): the rollback did not undo everything."""

    @property
    def operation(self) -> str:
        """The statement and its line, for a message: ``op.x(...) on line 12``."""
        return f"{self.statement} on line {self.line}" if self.statement else f"line {self.line}"


def failed_at(exc: BaseException, revisions: Mapping[str, str]) -> FailedAt | None:
    """The innermost frame of *exc* in a revision file (*revisions*: path -> revision id)."""
    by_path = {_resolved(path): revision for path, revision in revisions.items()}
    frames = list(traceback.walk_tb(exc.__traceback__))
    found: tuple[int, str, str, int] | None = None
    entry_line = 0  # the outermost frame in the revision: a line of upgrade() or downgrade()
    for index, (frame, lineno) in enumerate(frames):
        filename = frame.f_code.co_filename
        revision = by_path.get(_resolved(filename))
        if revision is not None:
            found = (index, revision, filename, lineno)
            entry_line = entry_line or lineno
    if found is None:
        return None
    index, revision, filename, lineno = found
    linecache.checkcache(filename)  # the file may have been edited since it was last read
    node = _statement_node(filename, lineno)
    return FailedAt(
        revision,
        lineno,
        _statement_text(filename, lineno, node),
        _raised_in_library(frames[index + 1:]),
        _hint(node),
        _commits_before(filename, entry_line),
    )


_COMMITTING = re.compile(r"^(autocommit_block|backfill|expand_column|contract_column|\w+_online)$")
"""Operations that commit while the revision runs (Flask-Remodel's online ones, Alembic's
autocommit block), so a later failure's rollback leaves what they did."""


def _commits_before(filename: str, lineno: int) -> bool:
    """Whether the top-level function running *lineno* calls a committing operation earlier.

    Only that function counts: an autocommit block in ``upgrade()`` has not run when
    ``downgrade()`` fails, whatever their order in the file.
    """
    try:
        tree = ast.parse(Path(filename).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return False
    running = next(
        (node for node in tree.body
         if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
         and node.lineno <= lineno <= (node.end_lineno or node.lineno)),
        None,
    )
    return running is not None and any(
        isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        and _COMMITTING.match(node.func.attr) is not None and node.lineno < lineno
        for node in ast.walk(running)
    )


def _resolved(path: str) -> str:
    return str(Path(path).resolve())


def _raised_in_library(frames: list[tuple[FrameType, int]]) -> bool:
    # The last frame of a package we know decides: Alembic's or SQLAlchemy's
    # (a driver or the standard library may sit below them) means the revision
    # used them in a way they reject; Flask-Remodel's own code, or no frame
    # below the revision at all (``1 / 0`` in upgrade()), is not theirs.
    decided = False
    for frame, _ in frames:
        module = str(frame.f_globals.get("__name__") or "")
        package = module.split(".", 1)[0]
        if package in _LIBRARIES:
            decided = True
        elif package == _OURS:
            decided = False
    return decided


def _statement_node(filename: str, lineno: int) -> ast.stmt | None:
    """The innermost simple statement of the file that spans *lineno*."""
    source = "".join(linecache.getlines(filename))
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    best: ast.stmt | None = None
    for node in ast.walk(tree):
        if not isinstance(node, ast.stmt) or _compound(node):
            continue
        end = node.end_lineno or node.lineno
        if node.lineno <= lineno <= end and (best is None or node.lineno >= best.lineno):
            best = node
    return best


def _compound(node: ast.stmt) -> bool:
    # A with/if/for... spans its whole body; its own line is read on its own instead.
    return hasattr(node, "body")


def _statement_text(filename: str, lineno: int, node: ast.stmt | None) -> str | None:
    text = ast.unparse(node) if node is not None else linecache.getline(filename, lineno)
    text = " ".join(text.split())
    if not text:
        return None
    return text if len(text) <= _LONGEST else text[: _LONGEST - 3] + "..."


def _hint(node: ast.stmt | None) -> str:
    """Advice for a ``drop_constraint`` given ``None`` for the name: no database can do that."""
    if node is None:
        return ""
    for call in ast.walk(node):
        if not isinstance(call, ast.Call) or _called(call) != "drop_constraint":
            continue
        if not _is_none(_argument(call, 0, "constraint_name")):
            continue
        table = _literal(_argument(call, 1, "table_name"))
        type_ = _literal(_argument(call, None, "type_"))
        inspector = _INSPECTORS.get(type_ or "")
        where = (
            f" (for example sqlalchemy.inspect(engine).{inspector}({table!r}))"
            if inspector and table
            else ""
        )
        return (
            "The constraint has no name in the revision: give drop_constraint its real "
            f"name, as the database reports it{where}."
        )
    return ""


def _called(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    if isinstance(call.func, ast.Name):
        return call.func.id
    return None


def _argument(call: ast.Call, position: int | None, keyword: str) -> ast.expr | None:
    for given in call.keywords:
        if given.arg == keyword:
            return given.value
    if position is not None and position < len(call.args):
        return call.args[position]
    return None


def _is_none(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _literal(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None
