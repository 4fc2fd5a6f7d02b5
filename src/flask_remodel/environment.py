"""The migration environment: what a generated env.py delegates to.

``flask db init`` writes an env.py of a few lines that calls
:func:`run_migrations`, so fixes made here reach every project when it
upgrades Flask-Remodel, instead of living in copies in users' repositories.

For each bind (database) it connects, configures Alembic with the app's
settings and Flask-Remodel's defaults, and runs the revisions:

* one transaction per revision, so a failure keeps the revisions before it;
* on SQLite a real transaction with foreign keys switched off around it and
  checked before commit (see :mod:`flask_remodel.sqlite`);
* batch mode rendered only for SQLite, unless the app chose otherwise;
* on PostgreSQL and MariaDB/MySQL a short lock timeout on every statement,
  retried on a growing schedule (see :mod:`flask_remodel.online`); in offline
  mode (``--sql``) the same timeouts head the script, without the retries;
* on MariaDB/MySQL strict mode, so a migration fails rather than invent values;
* the app's logging is left alone (no ``fileConfig``).

What differs per database comes from :mod:`flask_remodel.dialects`.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from contextlib import AbstractContextManager
from contextlib import contextmanager
from contextlib import nullcontext
from contextvars import ContextVar
from functools import partial
from typing import Any

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from ._runtime import ensure_runtime
from .dialects import dialect_for
from .errors import DatabaseUnreachableError
from .extension import MigrateState
from .extension import current_state
from .online.policy import LockPolicy
from .online.statements import lock_timeouts
from .online.statements import lock_timeouts_in_script
from .sources import BindKey
from .sources import ModelSource
from .sqlite import sqlite_configure_options
from .sqlite import sqlite_migration_session
from .steps import current_bind
from .urls import shown_url

# Whether an offline run writes the session's lock timeouts before the revisions.
_session_settings_in_script: ContextVar[bool] = ContextVar(
    "remodel_session_settings_in_script", default=True
)


@contextmanager
def revisions_alone_in_script() -> Iterator[None]:
    """Offline runs in the block write the revisions' SQL alone, no session settings.

    For ``upgrade --plan``, which shows each revision's SQL on its own: the
    lock timeouts belong to the run, not to any one revision.
    """
    token = _session_settings_in_script.set(False)
    try:
        yield
    finally:
        _session_settings_in_script.reset(token)


def bind_label(bind: BindKey) -> str:
    """The name multi-database scripts use for *bind* (``""`` for the default)."""
    return bind or ""


def own_options(
    state: MigrateState, dialect_name: str, driver: str | None = None
) -> dict[str, Any]:
    """What this env.py passes to ``context.configure`` besides the connection.

    Only what it knows better than the app's defaults: inside
    :func:`sqlite_migration_session` SQLite rolls DDL back (with the stdlib
    driver, the one the session manages). The app's ``Migrate(...)`` arguments
    and Flask-Remodel's defaults and hooks are merged into every ``configure``
    call (:mod:`flask_remodel.context_options`).
    """
    if "transactional_ddl" in state.configure_args:
        return {}
    return sqlite_configure_options(dialect_name, driver)


@contextmanager
def connected(engine: Engine) -> Iterator[Connection]:
    """A connection to *engine*, or a clear error when the server is unreachable."""
    try:
        connection = engine.connect()
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseUnreachableError(
            shown_url(engine.url), reason, dialect_for(engine).database_is_a_file
        ) from exc
    with connection:
        yield connection


def _multidb_options(bind: BindKey, binds: list[BindKey]) -> dict[str, Any]:
    label = bind_label(bind)
    return {
        "upgrade_token": f"{label}_upgrades",
        "downgrade_token": f"{label}_downgrades",
        "template_args": {"bind_names": [bind_label(b) for b in binds]},
    }


def _run_online(
    state: MigrateState, source: ModelSource, binds: list[BindKey], multidb: bool
) -> None:
    for bind in binds:
        engine = source.engine(bind)
        options = own_options(state, engine.dialect.name, engine.dialect.driver)
        run_kwargs: dict[str, Any] = {}
        if multidb:
            options.update(_multidb_options(bind, binds))
            run_kwargs["engine_name"] = bind_label(bind)

        _with_connection(engine, partial(_migrate_bind, source, bind, options, run_kwargs))


def _migrate_bind(
    source: ModelSource,
    bind: BindKey,
    options: dict[str, Any],
    run_kwargs: dict[str, Any],
    connection: Connection,
) -> None:
    policy = LockPolicy.from_settings(current_state().settings)
    support = dialect_for(connection)
    with sqlite_migration_session(connection), current_bind(bind), support.strict_mode(
        connection
    ), lock_timeouts(connection, policy) as attach_lock_timeouts:
        context.configure(connection=connection, target_metadata=source.metadata(bind), **options)
        attach_lock_timeouts(context.get_context())
        with context.begin_transaction():
            context.run_migrations(**run_kwargs)
        # With one transaction per revision, work done outside any revision
        # (ensure-version creating the version table) sits in the transaction
        # the connection began by itself: keep it rather than roll it back.
        leftover = connection.get_transaction()
        if leftover is not None and leftover.is_active:
            leftover.commit()


def run_on_connection(state: MigrateState, connection: Connection) -> None:
    """Run the active migration context's revisions for the default bind on *connection*.

    Used by :mod:`flask_remodel.testing`, whose connection goes to a scratch
    database rather than the app's: everything else is what env.py does.
    Call it inside an ``EnvironmentContext``.
    """
    options = own_options(state, connection.dialect.name, connection.dialect.driver)
    _migrate_bind(state.model_source(), None, options, {}, connection)


def _with_connection(engine: Engine, run: Callable[[Connection], None]) -> None:
    with connected(engine) as connection:
        run(connection)


def _run_offline(
    state: MigrateState, source: ModelSource, binds: list[BindKey], multidb: bool
) -> None:
    for bind in binds:
        url = source.engine(bind).url
        options: dict[str, Any] = {}
        run_kwargs: dict[str, Any] = {}
        if multidb:
            options.update(_multidb_options(bind, binds))
            run_kwargs["engine_name"] = bind_label(bind)
            buffer = context.config.output_buffer
            if buffer is not None:
                buffer.write(f"-- Database: {bind_label(bind) or '(default)'}\n")
        # The app may choose these itself (Migrate(..., literal_binds=False)).
        for name, value in (("literal_binds", True), ("dialect_opts", {"paramstyle": "named"})):
            if name not in state.configure_args:
                options[name] = value
        context.configure(url=url, target_metadata=source.metadata(bind), **options)
        with _script_lock_timeouts(state), context.begin_transaction():
            context.run_migrations(**run_kwargs)


def _script_lock_timeouts(state: MigrateState) -> AbstractContextManager[None]:
    """The runner's lock timeouts at the top of this bind's part of the script.

    A DBA who runs the script by hand should get the short lock wait the
    runner would have used, not the server's default (a day on MariaDB).
    """
    if not _session_settings_in_script.get():
        return nullcontext()
    return lock_timeouts_in_script(context.get_context(), LockPolicy.from_settings(state.settings))


def run_migrations(multidb: bool = False) -> None:
    """Run the migrations of the current Flask app: the body of env.py.

    :param multidb: run every bind of the app (the ``flask-multidb``
        template), each revision holding an ``upgrade_<bind>()`` per bind.
    """
    # Already done when a Flask-Remodel command runs this env.py; not when
    # Alembic's own command line does.
    ensure_runtime()
    state = current_state()
    source = state.model_source()
    binds: list[BindKey] = source.bind_keys() if multidb else [None]
    if context.is_offline_mode():
        _run_offline(state, source, binds, multidb)
    else:
        _run_online(state, source, binds, multidb)
