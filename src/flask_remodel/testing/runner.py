"""A migration runner on one open connection: go to any revision, step, insert rows.

The revisions run with the settings ``Migrate(app, db, ...)`` gives env.py
(one transaction per revision, the SQLite transaction handling, the app's
``configure`` arguments) but on the runner's own connection, normally to a
scratch database: the app's database is never touched, and the connection is
opened once for the whole run instead of once per command.
The folder's env.py is not run, so changes made by editing an old env.py
(rather than through ``Migrate``) do not apply here; only the default bind is
migrated.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import Script
from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine

from .._alembic import downgrade_steps
from .._alembic import single_step
from .._alembic import upgrade_steps
from ..api._session import open_session
from ..config import Config
from ..context_options import context_options
from ..dialects import dialect_for
from ..environment import own_options
from ..environment import run_on_connection
from ..extension import MigrateState
from ..logging_guard import preserved_logging
from ..revisions import translated_errors
from .rows import RowGenerator
from .rows import SeedResult
from .schema import Snapshot
from .schema import reflect
from .schema import snapshot

StepPlanner = Callable[[Any], list[Any]]


def _run_each(statements: tuple[str, ...]) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_connection: Any, record: Any) -> None:
        cursor = dbapi_connection.cursor()
        for statement in statements:
            cursor.execute(statement)
        cursor.close()

    return on_connect


def scratch_engine(url: URL | str) -> Engine:
    """An engine for a scratch database: foreign keys enforced, commits not flushed.

    Server databases always enforce foreign keys; a scratch SQLite file does
    too, so the same broken reference fails everywhere. A scratch database is
    thrown away, so its commits need not wait for the disk (hundreds of them
    per run). Each database says how (``scratch_session_settings``).
    """
    engine = sa.create_engine(url)
    statements = dialect_for(engine).scratch_session_settings
    if statements:
        sa.event.listen(engine, "connect", _run_each(statements))
    return engine


class MigrationRunner:
    """Runs the app's revisions on *connection*; needs the app's context while used.

    :param connection: an open connection, no transaction begun; the runner
        begins and ends its own transactions on it.
    :param directory: the migrations folder (default: the one given to ``Migrate``).
    :param seed: seed of the generated rows (see :mod:`flask_remodel.testing.rows`).
    """

    def __init__(
        self, connection: Connection, directory: str | None = None, seed: int = 0
    ) -> None:
        session = open_session(directory)
        self.connection = connection
        self.state: MigrateState = session.state
        self.config: Config = session.config
        self.script: ScriptDirectory = session.script_directory()
        self.rows = RowGenerator(seed=seed)

    # -- the revisions ------------------------------------------------------
    def revisions(self) -> list[Script]:
        """Every revision, each after the ones it builds on (base first)."""
        return list(reversed(list(self.script.walk_revisions())))

    def heads(self) -> list[str]:
        return list(self.script.get_heads())

    def current(self) -> tuple[str, ...]:
        """The revisions the database is at (empty at base)."""
        with self.connection.begin():
            context = MigrationContext.configure(self.connection)
            return tuple(context.get_current_heads())

    # -- moving -------------------------------------------------------------
    def upgrade(self, revision: str = "heads") -> None:
        """Upgrade to *revision* (an id, ``head``, ``heads``, ``+1`` ...)."""
        self._run(lambda current: upgrade_steps(self.script, revision, current))

    def downgrade(self, revision: str = "base") -> None:
        """Downgrade to *revision* (an id, ``base``, ``-1`` ...)."""
        self._run(lambda current: downgrade_steps(self.script, revision, current))

    def migrate_to(self, revision: str) -> None:
        """Go to *revision* from wherever the database is, up or down."""
        target = self.script.get_revision(revision) if revision != "base" else None
        at = self.current()
        if target is None:
            self.downgrade("base")
        elif any(target.revision in self._ancestry(h) for h in at):
            self.downgrade(target.revision)
        else:
            self.upgrade(target.revision)

    def reset(self) -> None:
        """Drop every table, the version table too: back to an empty database.

        Unlike ``downgrade("base")`` this works past irreversible revisions;
        meant for scratch databases only.
        """
        metadata = sa.MetaData()
        with self.connection.begin(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # half-understood types, cycles between tables
            metadata.reflect(self.connection)
            metadata.drop_all(self.connection)

    def step_up(self, revision: Script) -> None:
        """Apply exactly *revision* (the revisions it builds on must be applied)."""
        self._run(lambda current: single_step(self.script, revision, True))

    def step_down(self, revision: Script) -> None:
        """Undo exactly *revision*, leaving any other applied branch alone."""
        self._run(lambda current: single_step(self.script, revision, False))

    def _ancestry(self, head: str) -> set[str]:
        return {s.revision for s in self.script.walk_revisions("base", head)}

    def _run(self, plan: StepPlanner) -> None:
        def fn(rev: Any, context: Any) -> list[Any]:
            return plan(rev)

        with preserved_logging(), translated_errors():
            with EnvironmentContext(self.config, self.script, fn=fn):
                run_on_connection(self.state, self.connection)

    # -- data and schema ----------------------------------------------------
    def insert(self, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert *rows* into *table* as it is at the current revision."""
        found = reflect(self.connection).tables[table]
        with self.connection.begin():
            self.connection.execute(found.insert(), [dict(r) for r in rows])

    def table_rows(self, table: str) -> list[dict[str, Any]]:
        """Every row of *table*, as dicts."""
        found = reflect(self.connection).tables[table]
        with self.connection.begin():
            return [dict(r._mapping) for r in self.connection.execute(sa.select(found))]

    def seed(self) -> SeedResult:
        """Generated rows in every table the database has now."""
        return self.rows.seed_database(self.connection)

    def schema(self) -> Snapshot:
        return snapshot(self.connection)

    def model_differences(self) -> list[Any]:
        """Autogenerate's differences between the models and the database (empty: none)."""
        metadata = self.state.model_source().metadata(None)
        given = {"connection": self.connection, "target_metadata": metadata}
        dialect = self.connection.dialect
        given.update(own_options(self.state, dialect.name, dialect.driver))
        options = context_options(self.state, given)
        del options["connection"]  # given to MigrationContext.configure on its own
        with self.connection.begin():
            context = MigrationContext.configure(self.connection, opts=options)
            diffs: list[Any] = compare_metadata(context, metadata)
        return diffs


@contextmanager
def connected_runner(
    url: URL | str, directory: str | None = None, seed: int = 0
) -> Iterator[MigrationRunner]:
    """A runner on one connection to *url*, closed (and its engine disposed) afterwards."""
    engine = scratch_engine(url)
    try:
        with engine.connect() as connection:
            yield MigrationRunner(connection, directory, seed)
    finally:
        engine.dispose()
