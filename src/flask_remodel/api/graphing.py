"""``graph``: the revision graph, with what the connected database has applied."""

from __future__ import annotations

from dataclasses import dataclass

from ..async_bridge import for_async_db
from ..errors import DatabaseUnreachableError
from ..errors import GraphFormatError
from ..graph import FORMATS
from ..graph import RevisionGraph
from ..graph import from_script_directory
from ..graph import render
from ._session import PathArg
from ._session import guarded
from ._session import open_session


@dataclass(frozen=True)
class Graph:
    """What :func:`graph` found: the model, its rendering, and why marks may be missing."""

    model: RevisionGraph
    text: str
    note: str = ""
    """Empty, or why the revisions the database has applied are not marked."""


@for_async_db
def revision_graph(directory: PathArg = None, database: bool = True) -> tuple[RevisionGraph, str]:
    """The graph of the migrations folder and a note (empty when all went well).

    With *database*, the graph's ``current`` is where the database is; a database
    that cannot be reached leaves it ``None`` and the note says why.
    """
    session = open_session(directory)
    script = session.script_directory()
    with guarded(session, script):
        model = from_script_directory(script)
    if not database:
        return model, ""
    try:
        at = session.database_heads(script)
    except DatabaseUnreachableError as exc:
        return model, f"Applied revisions are not marked: {exc.message}"
    missing = [r for r in at if r not in model]
    note = ""
    if missing:
        note = (
            f"The database is at {', '.join(missing)}, which is not in the migrations "
            "folder; only the revisions the folder has are marked."
        )
    return model.with_current(at), note


@for_async_db
def graph(directory: PathArg = None, format: str = "text", database: bool = True) -> Graph:
    """The revision graph rendered as ``text``, ``mermaid``, ``dot`` or ``html``."""
    if format not in FORMATS:
        raise GraphFormatError(format, FORMATS)
    model, note = revision_graph(directory, database)
    return Graph(model, render(model, format, note), note)
