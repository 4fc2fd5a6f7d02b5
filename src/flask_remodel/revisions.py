"""Loading the migrations folder, with the graph checked before anything runs.

Alembic only warns about two files with one revision id (and silently keeps
one of them), fails with a bare ``KeyError`` on a ``down_revision`` that names
nothing, and lets a broken revision file surface as a traceback from deep in
its loader. Here each becomes a typed error that names the file or revision.
"""

from __future__ import annotations

import gc
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from alembic.script import revision as alembic_revision
from alembic.util import CommandError

from ._alembic import dangling_parent
from ._alembic import duplicated_revision
from ._alembic import is_database_behind
from ._alembic import is_multiple_heads
from ._alembic import is_unidentified_file
from ._alembic import unlocated_revision
from ._alembic import use_revision_index
from .errors import DuplicateRevisionError
from .errors import MigrationsFolderNotFoundError
from .errors import RemodelError
from .errors import RevisionCycleError
from .errors import RevisionImportError
from .errors import UnknownRevisionError


def _folder(config: AlembicConfig) -> str:
    return config.get_main_option("script_location") or "migrations"


def _files_declaring(folder: Path, revision: str) -> list[str]:
    pattern = re.compile(rf"^revision\s*(?::[^=]*)?=\s*['\"]{re.escape(revision)}['\"]", re.M)
    return sorted(
        str(path)
        for path in folder.rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8", errors="replace"))
    )


def _failing_file(exc: BaseException, folder: Path) -> str | None:
    if isinstance(exc, SyntaxError) and exc.filename:
        return exc.filename
    tb = exc.__traceback__
    found: str | None = None
    root = str(folder.resolve())
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.startswith(root):
            found = filename
        tb = tb.tb_next
    return found


def failed_import(exc: BaseException, folder: Path) -> RevisionImportError | None:
    """*exc* as the import of a file of the migrations *folder* (a revision, or a module
    the revisions import) that raised it at module level; None when it came from
    elsewhere (env.py, a revision's ``upgrade()``, the app)."""
    root = str(folder.resolve())
    failing: str | None = None
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if (code.co_name == "<module>" and code.co_filename.startswith(root)
                and Path(code.co_filename).name != "env.py"):
            failing = code.co_filename
        tb = tb.tb_next
    if failing is None:
        return None
    return RevisionImportError(failing, f"{type(exc).__name__}: {exc}")


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No garbage collection while the revision map is built.

    The map is thousands of objects that live as long as the command; each
    collection the allocations trigger would walk the whole app's heap again
    (a tenth of a second at a time at 3,000 revisions) to free nothing.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_script_directory(config: AlembicConfig) -> ScriptDirectory:
    """The folder's ``ScriptDirectory`` with every revision loaded and checked."""
    folder = Path(_folder(config))
    if not (folder / "env.py").is_file():
        raise MigrationsFolderNotFoundError(str(folder))
    script = ScriptDirectory.from_config(config)
    # Headers come from the revision index; a file is imported when it runs.
    use_revision_index(script)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with _collector_paused():
                script.revision_map.heads  # noqa: B018 - forces every file to load
        except alembic_revision.CycleDetected as exc:
            raise RevisionCycleError(list(exc.revisions)) from exc
        except CommandError as exc:
            if is_unidentified_file(exc):
                raise RevisionImportError(str(folder / "versions"), str(exc)) from exc
            raise translate(exc) from exc
        except KeyError as exc:
            if (failed := failed_import(exc, folder)) is not None:
                raise failed from exc  # the file raised it, not a lookup of a revision
            dangling = [found for w in caught if (found := dangling_parent(str(w.message)))]
            if dangling:
                missing, source = dangling[0]
                detail = f"revision {source} names it as its parent"
                raise UnknownRevisionError(missing, detail) from exc
            raise RevisionImportError(str(folder), f"unknown revision {exc}") from exc
        except RemodelError:
            raise  # the seam's own (an Alembic that changed), or a typed one already
        except Exception as exc:  # a revision file that raises while importing
            path = _failing_file(exc, folder) or str(folder / "versions")
            raise RevisionImportError(path, f"{type(exc).__name__}: {exc}") from exc
    for warning in caught:
        text = str(warning.message)
        if revision := duplicated_revision(text):
            raise DuplicateRevisionError(revision, _files_declaring(folder, revision))
        if pair := dangling_parent(text):
            missing, source = pair
            raise UnknownRevisionError(missing, f"revision {source} names it as its parent")
    return script


def translate(exc: BaseException) -> RemodelError:
    """A typed error for an exception Alembic raised while running a command."""
    from .errors import DatabaseNotUpToDateError
    from .errors import MultipleHeadsError

    cause = exc.__cause__ if exc.__cause__ is not None else exc
    if isinstance(cause, alembic_revision.MultipleHeads):
        return MultipleHeadsError(list(cause.heads))
    if isinstance(cause, alembic_revision.CycleDetected):
        return RevisionCycleError(list(cause.revisions))
    if isinstance(cause, alembic_revision.ResolutionError):
        return UnknownRevisionError(str(cause.argument))
    text = str(exc)
    if is_database_behind(exc):
        return DatabaseNotUpToDateError()
    if unlocated := unlocated_revision(exc):
        return UnknownRevisionError(unlocated)
    if is_multiple_heads(exc):
        return MultipleHeadsError(re.findall(r"\b[0-9a-f]{6,}\b", text))
    return RemodelError(text)


@contextmanager
def translated_errors() -> Iterator[None]:
    """Turn Alembic's errors into Flask-Remodel's inside the block."""
    try:
        yield
    except RemodelError:
        raise
    except (CommandError, alembic_revision.RevisionError) as exc:
        raise translate(exc) from exc
