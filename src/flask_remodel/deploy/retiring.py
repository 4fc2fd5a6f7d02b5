"""``resolve --retired``: a ledger row whose revision file was removed on purpose.

``validate`` reports an applied revision whose file is gone until something
accounts for it. A squash does that by itself (:mod:`.replaced`); for a file
deleted by hand, or squashed by an older Flask-Remodel, a person says so: the
revision gets a ``retired`` row and is no longer checked. Refused, changing
nothing, while the file is still in the folder (``--applied`` accepts an edit
instead) or while the version table is at the revision.
"""

from __future__ import annotations

from alembic.script import Script
from alembic.util import CommandError

from . import ledger as outcomes
from .errors import CannotRetireError
from .errors import NothingToResolveError
from .errors import NotInLedgerError
from .ledger import Entry
from .locks import Holder
from .runner import DeployOptions
from .runner import Target
from .runner import locked


def _ledger_entry(latest: dict[str, Entry], name: str) -> Entry | None:
    """The latest row of *name*: a full id, or a prefix of exactly one id in the ledger."""
    if name in latest:
        return latest[name]
    found = [entry for revision, entry in latest.items() if revision.startswith(name)]
    return found[0] if len(found) == 1 else None


def _in_folder(target: Target, revision: str) -> bool:
    try:
        script = target.script.get_revision(revision)
    except CommandError:  # not there (or only as a prefix of several ids)
        return False
    return isinstance(script, Script) and script.revision == revision


def retire(target: Target, name: str, options: DeployOptions) -> str:
    """Record that revision *name*'s file is gone on purpose; returns its full id."""
    with locked(target, Holder("resolve", name), options) as (ledger, _, _held):
        entry = _ledger_entry(ledger.latest(), name)
        if entry is None:
            if _in_folder(target, name):
                raise CannotRetireError(
                    name, "its file is in the migrations folder, and this database's ledger "
                    "has no row for it; there is nothing to retire"
                )
            raise NotInLedgerError(name)
        revision = entry.revision
        if _in_folder(target, revision):
            raise CannotRetireError(
                revision, "its file is still in the migrations folder; to accept an edit of "
                f"an applied file, use 'flask db resolve {revision} --applied'"
            )
        if revision in target.heads():
            raise CannotRetireError(
                revision, "the database's version table is at it. Bring the database to a "
                "revision the folder has first ('flask db stamp --purge REV' once its schema "
                "matches REV)"
            )
        if entry.outcome == outcomes.RETIRED:
            raise NothingToResolveError(revision, outcomes.RETIRED)
        ledger.record(revision, "resolve", outcomes.RETIRED, entry.checksum)
    return revision
