"""What every command function shares: the config, the folder and error translation."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

from alembic.runtime.environment import EnvironmentContext
from alembic.script import Script
from alembic.script import ScriptDirectory
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import PendingRollbackError
from sqlalchemy.exc import SQLAlchemyError

from ..config import Config
from ..dialects import dialect_for
from ..errors import ConfigurationError
from ..errors import DatabaseNotConfiguredError
from ..errors import DatabaseUnreachableError
from ..errors import MigrationFailedError
from ..errors import RemodelError
from ..errors import SquashedRevisionError
from ..errors import UnknownDatabaseRevisionError
from ..errors import UnknownRevisionError
from ..extension import MigrateState
from ..extension import current_state
from ..failures import FailedAt
from ..failures import failed_at
from ..failures import failure_reason
from ..logging_guard import missing_logging_section
from ..logging_guard import preserved_logging
from ..revisions import failed_import
from ..revisions import load_script_directory
from ..revisions import translated_errors
from ..squash.markers import squashed_into
from ..urls import mask_passwords
from ..urls import shown_url

PathArg = str | os.PathLike[str] | None
XArg = str | Iterable[str] | None


@dataclass
class Session:
    """One command's view of the app: its extension state, config and folder."""

    state: MigrateState
    config: Config
    shared: bool = False
    """Opened inside :func:`shared_sessions`: the folder is loaded once, for every user."""
    _script: ScriptDirectory | None = field(default=None, repr=False)

    @property
    def folder(self) -> Path:
        return Path(self.config.get_main_option("script_location") or "migrations")

    def script_directory(self) -> ScriptDirectory:
        if not self.shared:
            return load_script_directory(self.config)
        if self._script is None:
            self._script = load_script_directory(self.config)
        return self._script

    def run_env(self, script: ScriptDirectory, fn: Callable[[Any, Any], Any], **kw: Any) -> None:
        """Run the folder's env.py with *fn* as the migration function."""
        with EnvironmentContext(self.config, script, fn=fn, **kw):
            script.run_env()

    def database_heads(self, script: ScriptDirectory) -> tuple[str, ...]:
        """The revisions the database is at (empty at base)."""
        found: list[str] = []

        def read(rev: Any, context: Any) -> list[Any]:
            found.extend(context.get_current_heads())
            return []

        with guarded(self, script):
            self.run_env(script, read, dont_mutate=True)
        return tuple(found)

    def scripts_for_database(self, script: ScriptDirectory, heads: Iterable[str]) -> list[Script]:
        heads = tuple(heads)
        try:
            return [s for s in script.get_revisions(heads) if isinstance(s, Script)]
        except Exception as exc:  # ResolutionError: the folder lacks a database revision
            missing = [h for h in heads if not _known(script, h)]
            raise unknown_database_revision(script, missing or list(heads)) from exc


def unknown_database_revision(
    script: ScriptDirectory, missing: list[str]
) -> UnknownDatabaseRevisionError:
    """The error for a database at *missing*; names the squash that replaced it, if one did."""
    for revision in missing:
        try:
            found = squashed_into(script, revision)
        except Exception:  # a folder that cannot be walked gets the plain message
            found = None
        if found is not None:
            return SquashedRevisionError(revision, found.revision, found.path)
    return UnknownDatabaseRevisionError(missing)


def _known(script: ScriptDirectory, revision: str) -> bool:
    try:
        script.get_revision(revision)
    except Exception:
        return False
    return True


_SessionKey = tuple[int, str, tuple[str, ...], tuple[str, ...]]
_shared: ContextVar[dict[_SessionKey, Session] | None] = ContextVar(
    "remodel_shared_sessions", default=None
)


@contextmanager
def shared_sessions() -> Iterator[None]:
    """Commands called in the block with the same arguments share one session.

    For a command that runs another first on the same folder (``upgrade``
    lints what it is about to run): the revision files are then read and
    imported once, not once per command. Only for a block in which the folder
    does not change. Inside another such block, the outer one's sessions are shared.
    """
    if _shared.get() is not None:
        yield
        return
    token = _shared.set({})
    try:
        yield
    finally:
        _shared.reset(token)


def open_session(
    directory: PathArg = None, x_arg: XArg = None, opts: Iterable[str] | None = None
) -> Session:
    state = current_state()
    if state.raw_db is None:
        raise DatabaseNotConfiguredError()
    sessions = _shared.get()
    key: _SessionKey | None = None
    if sessions is not None:
        x_args = (x_arg,) if isinstance(x_arg, str) else tuple(x_arg or ())
        key = (id(state), str(directory or ""), x_args, tuple(opts or ()))
        if key in sessions:
            return sessions[key]
    config = state.migrate.get_config(directory, x_arg, opts)
    # The Python API never prints: Alembic's own messages go nowhere.
    config.cmd_opts.quiet = True  # type: ignore[union-attr]
    config.stdout = io.StringIO()
    session = Session(state, config, shared=key is not None)
    if sessions is not None and key is not None:
        sessions[key] = session
    return session


def _failure_site(exc: BaseException, script: ScriptDirectory | None) -> FailedAt | None:
    """Where in which revision file *exc* was raised (None: outside every revision)."""
    if script is None:
        return None
    try:
        paths = {each.path: each.revision for each in script.walk_revisions()}
    except Exception:  # a folder that cannot be walked: the error is reported without it
        return None
    return failed_at(exc, paths)


@contextmanager
def guarded(
    session: Session, script: ScriptDirectory | None = None, targets: Iterable[str] = ()
) -> Iterator[None]:
    """Translate what a command's env.py run raises into Flask-Remodel's errors."""
    try:
        with preserved_logging(), translated_errors():
            yield
    except UnknownRevisionError as exc:
        named = set(targets)
        if script is not None and exc.revision not in named and not _known(script, exc.revision):
            raise unknown_database_revision(script, [exc.revision]) from exc
        raise
    except RemodelError:
        raise
    except KeyError as exc:
        section = missing_logging_section(exc)
        if section is None:
            _raise_failed_import(exc, script)
            raise
        ini = session.config.config_file_name or "alembic.ini"
        raise ConfigurationError(
            f"{ini} has no [{section}] section, which env.py's logging.config.fileConfig() "
            "reads: add Alembic's [loggers], [handlers] and [formatters] sections back (as "
            "'flask db init' writes them), or remove the fileConfig() call from env.py."
        ) from exc
    except DBAPIError as exc:
        if exc.statement is None and not exc.connection_invalidated:
            url = session.state.model_source().engine(None).url
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise DatabaseUnreachableError(
                shown_url(url), mask_passwords(reason), dialect_for(url).database_is_a_file
            ) from exc
        raise _failed(session, script, exc) from exc
    except SQLAlchemyError as exc:
        raise _failed(session, script, exc) from exc
    except Exception as exc:
        # Alembic or SQLAlchemy rejecting what a revision asked (a TypeError or an
        # assert deep in a compiler) is that revision's failure, to be named with
        # its line; an error of the revision's own code, or of ours, stays
        # unexpected (the boundary suggests --traceback).
        _raise_failed_import(exc, script)
        site = _failure_site(exc, script)
        if site is None or not site.in_library:
            raise
        raise _failed(session, script, exc, site) from exc


def _raise_failed_import(exc: Exception, script: ScriptDirectory | None) -> None:
    """Raise *exc* as a revision file that does not import, when that is what it is.

    Commands that load the revisions through env.py (``check``) meet the file
    there, past the index that names it on the other paths."""
    if script is not None and (failed := failed_import(exc, Path(script.dir))) is not None:
        raise failed from exc


def _failed(
    session: Session, script: ScriptDirectory | None, exc: Exception,
    site: FailedAt | None = None,
) -> MigrationFailedError:
    # A rollback on a connection that died fails in turn ("Can't reconnect until
    # invalid transaction is rolled back"): the failure that started it is the cause.
    while isinstance(exc, PendingRollbackError) and isinstance(exc.__context__, Exception):
        if isinstance(exc.__context__, MigrationFailedError):
            return exc.__context__
        exc = exc.__context__
    site = site or _failure_site(exc, script)
    # MySQL and MariaDB commit each DDL statement on their own.
    kept = not dialect_for(session.state.model_source().engine(None)).transactional_ddl
    if site is None:
        return MigrationFailedError(None, failure_reason(exc), kept)
    return MigrationFailedError(
        site.revision, failure_reason(exc), kept, operation=site.operation, hint=site.hint,
        commits_midway=site.commits_before,
    )
