"""The one path around Alembic: ``heads``, ``history``, ``current`` and the no-op ``upgrade``.

Every command runs on Alembic's ``ScriptDirectory``, with the revision index
behind it (see ``docs/performance.md``). Four need so little that importing
Alembic and building its ``RevisionMap`` (about 0.8 s of CPU at 10,000
revisions) would be most of their cost, and they run at every container start
(``upgrade`` with nothing to do), in scripts that poll (``heads``,
``current``) or to read a long history (``history``, whole): for those,
:func:`open_fast_path` is the single check of whether the folder and the app
are simple enough to answer from the index and the version table alone. It
says no to anything Alembic could see otherwise:

* a ``@migrate.configure`` callback (it may move the folder);
* several databases (each bind has its own version table, read through env.py);
* an ``env.py`` that mentions ``version_table`` (it may choose its own table);
* a history that is not plain, or a folder layout Alembic would list
  differently (:func:`~flask_remodel.revision_index.plain.plain_folder_graph`).

A :class:`FastPath` may still hand a question back (``None``, ``False``): a
version table it cannot read, a database at a revision the folder lacks, or
anything but the heads as an upgrade target; a ``history`` with a range or
``-i`` is Alembic's. The caller then runs the command
through Alembic, which gives the answer, or the error, it always gives.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..errors import DatabaseNotUpToDateError
from ..errors import RemodelError
from ..errors import SeveralHeadsError
from ..extension import MigrateState
from ..extension import current_state
from ..revision_index.plain import IndexedRevision
from ..revision_index.plain import PlainGraph
from ..revision_index.plain import plain_folder_graph

if TYPE_CHECKING:  # _session imports Alembic, which this module avoids
    from ._session import PathArg

#: The upgrade targets that mean "every head" (``head`` only while there is one).
HEAD_TARGETS = ("head", "heads")


def open_fast_path(directory: PathArg = None) -> FastPath | None:
    """The fast path for the app's folder *directory*, or ``None``: use Alembic."""
    state = current_state()
    if state.raw_db is None or state.migrate.configure_callbacks:
        return None  # the error, or a callback that may move the folder, is Alembic's path
    folder = os.fspath(directory) if directory is not None else state.migrate.directory
    try:
        if len(state.model_source().bind_keys()) > 1:
            return None
    except RemodelError:
        return None  # a configuration error is reported by the full path
    if _env_names_a_version_table(folder):
        return None
    graph = plain_folder_graph(folder)
    return None if graph is None else FastPath(state, graph)


def _env_names_a_version_table(folder: str) -> bool:
    """Whether ``env.py`` may choose the version table itself.

    The table read here is the one given to ``Migrate(...)``. An ``env.py``
    that passes its own ``version_table`` to ``context.configure`` (neither
    Flask-Remodel's templates nor Flask-Migrate's do) is left to Alembic.
    """
    try:
        text = Path(folder, "env.py").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return True
    return "version_table" in text


@dataclass
class FastPath:
    """A plain history of a one-database app, as the index and the version table show it."""

    state: MigrateState
    graph: PlainGraph

    def heads(self, check: bool = False) -> list[IndexedRevision]:
        """What :func:`flask_remodel.api.heads` returns (a plain history has no dependencies)."""
        found = self.graph.heads()
        if check and len(found) > 1:
            raise SeveralHeadsError([each.revision for each in found])
        return found

    def history(self) -> list[IndexedRevision]:
        """What :func:`flask_remodel.api.history` lists without a range or ``indicate_current``."""
        return list(self.graph.walk())

    def current(self, check_heads: bool = False) -> list[IndexedRevision] | None:
        """What :func:`flask_remodel.api.current` returns; ``None``: ask Alembic.

        A revision the folder does not have goes to Alembic, whose error names
        a squash that replaced it.
        """
        rows = self._version_rows
        if rows is None or not all(revision in self.graph for revision in rows):
            return None
        if check_heads and set(rows) != {each.revision for each in self.graph.heads()}:
            raise DatabaseNotUpToDateError("relying on this database (it is not at every head)")
        return [self.graph[revision] for revision in rows]

    def at_heads(self, revision: str) -> bool:
        """Whether ``upgrade`` to *revision* has nothing to run (``False``: it may have)."""
        if revision not in HEAD_TARGETS:
            return False
        heads = [each.revision for each in self.graph.heads()]
        if not heads or (revision == "head" and len(heads) > 1):
            return False  # nothing to be at, or Alembic's "several heads" error to give
        rows = self._version_rows
        return rows is not None and sorted(rows) == sorted(heads)

    @cached_property
    def _version_rows(self) -> Sequence[str] | None:
        """The version table's revisions, in the order Alembic reads them; ``None``: ask Alembic."""
        args = self.state.user_configure_args
        name = args.get("version_table") or "alembic_version"
        schema = args.get("version_table_schema")
        column = sa.Column("version_num", sa.String(32))
        table = sa.Table(name, sa.MetaData(), column, schema=schema)
        try:
            engine: Engine = self.state.model_source().engine(None)
            with engine.connect() as connection:
                if not sa.inspect(connection).has_table(name, schema=schema):
                    return None
                # The same unordered SELECT Alembic's get_current_heads() runs.
                return [row[0] for row in connection.execute(sa.select(table.c.version_num))]
        except (sa.exc.SQLAlchemyError, RemodelError):
            return None  # unreachable, no permission ...: the full path reports it properly
