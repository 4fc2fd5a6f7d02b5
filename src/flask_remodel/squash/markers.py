"""What a squashed revision says it replaced: the ids, and the files' checksums.

``flask db squash`` writes two module-level literals into the file it makes:
``squashed_revisions``, the ids it replaced (TO's own included), and
``squashed_checksums``, for each of those ids the SHA-256 checksums a database
that ran it may have recorded in its ledger (the checksum of the file as it was
when squashed). :func:`squashed_into` finds the replacement of an id through
Alembic's modules; :func:`read_marks` reads both literals from the source
without running the file, as ``validate`` needs for every squashed file.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

MARKER = "squashed_revisions"
"""The module-level tuple that lists the ids a squashed revision replaced."""
CHECKSUMS = "squashed_checksums"
"""The module-level dict: replaced id -> tuple of the checksums it may have in a ledger."""


class BadMarkError(ValueError):
    """A marker that is not the literal a squash writes."""


@dataclass(frozen=True)
class SquashMarks:
    """The marks of one squashed file (empty for any other file)."""

    replaced: tuple[str, ...] = ()
    checksums: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Absent for files squashed before checksums were recorded."""


def squashed_into(script_directory: Any, revision: str) -> Any | None:
    """The ``Script`` whose squash replaced *revision*, or ``None``."""
    for script in script_directory.walk_revisions():
        replaced = getattr(script.module, MARKER, ())
        if revision in replaced and revision != script.revision:
            return script
    return None


def marks_of(tree: ast.Module) -> SquashMarks:
    """The marks assigned at the top level of *tree*; :class:`BadMarkError` if malformed."""
    values: dict[str, Any] = {}
    for node in tree.body:
        if not isinstance(node, ast.Assign) or len(node.targets) != 1:
            continue
        target = node.targets[0]
        if isinstance(target, ast.Name) and target.id in (MARKER, CHECKSUMS):
            try:
                values[target.id] = ast.literal_eval(node.value)
            except ValueError as exc:
                raise BadMarkError(f"{target.id} is not a literal") from exc
    replaced = values.get(MARKER, ())
    checksums = values.get(CHECKSUMS, {})
    if not (isinstance(replaced, tuple) and all(isinstance(r, str) for r in replaced)):
        raise BadMarkError(f"{MARKER} is not a tuple of revision ids")
    if not (
        isinstance(checksums, dict)
        and all(
            isinstance(key, str)
            and isinstance(sums, tuple)
            and all(isinstance(each, str) for each in sums)
            for key, sums in checksums.items()
        )
    ):
        raise BadMarkError(f"{CHECKSUMS} is not a dict of revision ids to tuples of checksums")
    return SquashMarks(replaced, checksums)


def read_marks(path: str | Path) -> SquashMarks:
    """The marks of the file at *path*; empty when it has none or they cannot be read.

    A file the squash did not write (or a marker edited into something else)
    accounts for nothing: ``validate`` then reports what it would have without it.
    """
    try:
        source = Path(path).read_bytes()
        if MARKER.encode("ascii") not in source:
            return SquashMarks()  # most files: no parse needed
        return marks_of(ast.parse(source))
    except (OSError, SyntaxError, ValueError, RecursionError):
        return SquashMarks()
