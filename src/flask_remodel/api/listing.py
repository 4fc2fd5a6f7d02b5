"""The listing commands' data, read from the index without Alembic when the folder allows.

``flask db heads``, ``branches``, ``history`` and ``show`` only need the
revision graph, and ``current`` the graph and the version table. For a plain
history in the default folder layout (see :mod:`flask_remodel.history.folder`)
these functions build it from the index and never import Alembic, which is
most of what such a command would otherwise cost. Anything else (ranges,
symbolic names, ``-i``, branch labels, ``depends_on``, ``@migrate.configure``
callbacks, odd files, several databases) goes through :mod:`.inspecting` and
Alembic, so the answer is always Alembic's.

Each function returns :class:`~flask_remodel.history.records.RevisionRecord`
objects, which print exactly as Alembic's ``Script`` objects do. The
functions of :mod:`.inspecting` (the documented Python API) keep returning
Alembic's ``Script`` objects.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ..errors import DatabaseNotUpToDateError
from ..errors import SeveralHeadsError
from ..extension import current_state
from ..history.graph import PlainGraph
from ..history.records import RevisionRecord
from ..history.records import records_from_graph

if TYPE_CHECKING:  # _session imports Alembic, which these functions avoid
    from ._session import PathArg


def indexed_graph(directory: PathArg = None) -> PlainGraph | None:
    """The folder's graph from the index, or ``None`` when Alembic must load it."""
    state = current_state()
    if state.raw_db is None or state.migrate.configure_callbacks:
        return None  # the error, or a callback that may move the folder, is Alembic's path
    folder = os.fspath(directory) if directory is not None else state.migrate.directory
    from ..history.folder import plain_folder_graph

    return plain_folder_graph(folder)


def list_heads(
    directory: PathArg = None, resolve_dependencies: bool = False, check: bool = False
) -> list[RevisionRecord]:
    """:func:`~.inspecting.heads` as records."""
    graph = indexed_graph(directory)
    if graph is None:
        from .._alembic import revision_record
        from .inspecting import heads

        found = heads(directory, resolve_dependencies=resolve_dependencies, check=check)
        return [revision_record(script) for script in found]
    # A plain history has no dependencies to resolve: both lists are the heads.
    records = records_from_graph(graph, graph.heads())
    if check and len(records) > 1:
        raise SeveralHeadsError([r.revision for r in records])
    return records


def list_branches(directory: PathArg = None) -> list[RevisionRecord]:
    """:func:`~.inspecting.branches` as records."""
    graph = indexed_graph(directory)
    if graph is None:
        from .._alembic import revision_record
        from .inspecting import branches

        return [revision_record(script) for script in branches(directory)]
    return records_from_graph(graph, [r for r in graph.walk() if len(graph.children(r)) > 1])


def list_history(
    directory: PathArg = None, rev_range: str | None = None, indicate_current: bool = False
) -> list[RevisionRecord]:
    """:func:`~.inspecting.history` as records (``is_current`` set with *indicate_current*)."""
    graph = None if rev_range is not None or indicate_current else indexed_graph(directory)
    if graph is None:
        from .._alembic import revision_record
        from .inspecting import history

        entries = history(directory, rev_range, indicate_current=indicate_current)
        return [revision_record(entry.script, entry.is_current) for entry in entries]
    return records_from_graph(graph, list(graph.walk()))


def list_show(directory: PathArg = None, revision: str = "head") -> list[RevisionRecord]:
    """:func:`~.inspecting.show` as records."""
    graph = indexed_graph(directory) if revision != "current" else None
    if graph is not None:
        heads = graph.heads()
        if heads and (revision == "heads" or (revision == "head" and len(heads) == 1)):
            return records_from_graph(graph, heads)
        if revision in graph:
            return records_from_graph(graph, [revision])
    # Prefixes, labels, relative names, "current", errors: Alembic resolves them.
    from .._alembic import revision_record
    from .inspecting import show

    return [revision_record(script) for script in show(directory, revision)]


def list_current(directory: PathArg = None, check_heads: bool = False) -> list[RevisionRecord]:
    """:func:`~.inspecting.current` as records.

    With one database and a plain history the version table is read through
    SQLAlchemy (see :mod:`.at_heads`), not through ``env.py``. A revision the
    folder does not have goes to Alembic, whose error names a squash that
    replaced it.
    """
    from .at_heads import database_revisions

    found = database_revisions(directory)
    if found is not None and all(revision in found[0] for revision in found[1]):
        graph, revisions = found
        if check_heads and set(revisions) != set(graph.heads()):
            raise DatabaseNotUpToDateError("relying on this database (it is not at every head)")
        return records_from_graph(graph, revisions)
    from .._alembic import revision_record
    from .inspecting import current

    return [revision_record(script) for script in current(directory, check_heads=check_heads)]
