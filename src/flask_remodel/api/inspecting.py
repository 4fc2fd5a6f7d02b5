"""Commands that read the revisions and the database without changing either."""

from __future__ import annotations

from dataclasses import dataclass

from alembic.script import Script

from .._alembic import mark_current
from ..async_bridge import for_async_db
from ..errors import DatabaseNotUpToDateError
from ..errors import SeveralHeadsError
from ..errors import UnknownRevisionError
from ._session import PathArg
from ._session import guarded
from ._session import open_session


@dataclass(frozen=True)
class HistoryEntry:
    script: Script
    is_current: bool


def show(directory: PathArg = None, revision: str = "head") -> list[Script]:
    """The revisions *revision* names (``head``, an id, a prefix, ``current`` ...)."""
    session = open_session(directory)
    script = session.script_directory()
    if revision == "current":
        return session.scripts_for_database(script, session.database_heads(script))
    with guarded(session, script, [revision]):
        found = [s for s in script.get_revisions(revision) if isinstance(s, Script)]
    if not found:
        raise UnknownRevisionError(revision)
    return found


@for_async_db
def history(
    directory: PathArg = None,
    rev_range: str | None = None,
    verbose: bool = False,
    indicate_current: bool = False,
) -> list[HistoryEntry]:
    """Revisions newest first; with *indicate_current*, marks where the database is.

    *verbose* is accepted for Flask-Migrate compatibility: the entries carry
    everything, and the CLI decides how much to show. With *indicate_current*,
    each script also prints ``(current)`` where it is (``Script.cmd_format``).
    """
    session = open_session(directory)
    script = session.script_directory()
    base, head = None, None
    if rev_range is not None:
        if ":" not in rev_range:
            raise UnknownRevisionError(
                rev_range, "a range is written [start]:[end], for example 'base:head'"
            )
        base, head = (part.strip() or None for part in rev_range.split(":", 1))
    current: set[str] = set()
    if indicate_current or "current" in (base, head):
        at = session.scripts_for_database(script, session.database_heads(script))
        current = {s.revision for s in at}
        # 'current' in a range means where the database is (Alembic's meaning).
        if base == "current":
            base = at[0].revision if at else None
        if head == "current":
            head = at[0].revision if at else "base"
    with guarded(session, script, [r for r in (base, head) if r]):
        scripts = list(script.walk_revisions(base=base or "base", head=head or "heads"))
    entries = [HistoryEntry(s, indicate_current and s.revision in current) for s in scripts]
    for entry in entries if indicate_current else ():
        mark_current(entry.script, entry.is_current)  # each prints "(current)" as Alembic's does
    return entries


def heads(
    directory: PathArg = None,
    verbose: bool = False,
    resolve_dependencies: bool = False,
    check: bool = False,
) -> list[Script]:
    """The head revisions of the migrations folder.

    :param check: raise :class:`~flask_remodel.errors.SeveralHeadsError` when
        there is more than one (a CI guard against unmerged branches).
    """
    session = open_session(directory)
    script = session.script_directory()
    with guarded(session, script):
        if resolve_dependencies:
            ids = script.get_revisions("heads")
            found = [s for s in ids if isinstance(s, Script)]
        else:
            found = [script.get_revision(h) for h in script.get_heads()]
    if check and len(found) > 1:
        raise SeveralHeadsError([s.revision for s in found])
    return found


def branches(directory: PathArg = None, verbose: bool = False) -> list[Script]:
    """Revisions that more than one revision builds on (branch points)."""
    session = open_session(directory)
    script = session.script_directory()
    return [s for s in script.walk_revisions() if s.is_branch_point]


@for_async_db
def current(
    directory: PathArg = None, verbose: bool = False, check_heads: bool = False
) -> list[Script]:
    """The revisions the database is at; empty when it has none yet.

    :param check_heads: raise :class:`~flask_remodel.errors.DatabaseNotUpToDateError`
        unless the database is at every head.
    """
    session = open_session(directory)
    script = session.script_directory()
    at = session.scripts_for_database(script, session.database_heads(script))
    if check_heads and {s.revision for s in at} != set(script.get_heads()):
        raise DatabaseNotUpToDateError("relying on this database (it is not at every head)")
    return at
