"""Whether an ``upgrade`` has nothing to do, decided without importing Alembic.

The upgrade that runs at every container start usually finds the database
already at the heads. The deploy runner takes that decision from the version
table alone: it reads the table directly (never through ``env.py``) and takes
no lock when nothing is pending. :func:`database_at_heads` takes the same
decision before Alembic is imported, when the history is plain (see
:func:`flask_remodel.api.listing.indexed_graph`) and the app has one database.
Whenever it cannot be sure (another target, several binds, a version table it
cannot read, a database anywhere but at every head), it answers ``False`` and
the full upgrade runs exactly as before, errors included.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..deploy.report import DeployReport
from ..extension import current_state
from ..history.graph import PlainGraph
from .deploy_settings import DeploySettings
from .listing import indexed_graph
from .migration_run import MigrationRun

if TYPE_CHECKING:
    from ._session import PathArg

#: The targets that mean "every head" when the history has one head or several.
_HEAD_TARGETS = ("head", "heads")


def nothing_to_upgrade(
    directory: PathArg, revision: str, settings: DeploySettings
) -> MigrationRun | None:
    """What ``upgrade`` returns when the database is at the heads already, else ``None``.

    The settings are checked as the full upgrade checks them, so a bad one
    fails the same way whether or not there was work to do.
    """
    if not database_at_heads(directory, revision):
        return None
    settings.check()
    return MigrationRun(deploy=DeployReport())


def database_at_heads(directory: PathArg = None, revision: str = "head") -> bool:
    """``True`` when upgrading to *revision* would run nothing: the database is there."""
    if revision not in _HEAD_TARGETS:
        return False
    graph = indexed_graph(directory)
    if graph is None:
        return False
    heads = graph.heads()
    if not heads or (revision == "head" and len(heads) > 1):
        return False  # nothing to be at, or Alembic's "several heads" error to give
    found = database_rows(directory)
    return found is not None and sorted(found) == sorted(heads)


def database_revisions(directory: PathArg = None) -> tuple[PlainGraph, list[str]] | None:
    """The folder's graph and the revisions the database is at, when both can be read here.

    ``None`` sends the caller to Alembic: a history that is not plain, several
    binds, or a version table that is missing or cannot be read.
    """
    graph = indexed_graph(directory)
    if graph is None:
        return None
    found = database_rows(directory)
    return None if found is None else (graph, found)


def database_rows(directory: PathArg = None) -> list[str] | None:
    """The app's version table rows, in the order Alembic reads them; ``None``: ask Alembic."""
    state = current_state()
    folder = os.fspath(directory) if directory is not None else state.migrate.directory
    if _env_names_a_version_table(folder):
        return None
    source = state.model_source()
    if len(source.bind_keys()) > 1:
        return None  # each bind has its own version table, read through env.py
    args = state.user_configure_args
    return _version_rows(
        source.engine(None), args.get("version_table") or "alembic_version",
        args.get("version_table_schema"),
    )


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


def _version_rows(engine: Engine, table_name: str, schema: str | None) -> list[str] | None:
    """The version table's revisions, or ``None`` when they cannot be read here."""
    table = sa.Table(
        table_name, sa.MetaData(), sa.Column("version_num", sa.String(32)), schema=schema
    )
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table(table_name, schema=schema):
                return None
            # The same unordered SELECT Alembic's get_current_heads() runs.
            return [row[0] for row in connection.execute(sa.select(table.c.version_num))]
    except sa.exc.SQLAlchemyError:
        return None  # unreachable, no permission ...: the full path reports it properly
