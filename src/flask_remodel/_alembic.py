"""The one place that touches Alembic's private API.

Keep every such use here, each with the reason and the Alembic versions it
was checked on (1.18.4 and 1.20.1), so an Alembic upgrade has one file to review.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from alembic.operations import Operations
from alembic.script import Script
from alembic.script import ScriptDirectory

Implementation = Callable[[Any, Any], Any]


def mark_current(script: Script, is_current: bool) -> None:
    """Make ``Script.cmd_format`` print "(current)" as ``alembic history -i`` does.

    Alembic keeps this flag in ``Script._db_current_indicator``; formatting
    the line ourselves would drift from Alembic's layout.
    """
    script._db_current_indicator = is_current


def registered_implementation(op_class: type[Any]) -> Implementation:
    """What ``Operations.invoke`` runs today for *op_class* (on any database).

    Alembic offers ``Operations.implementation_for(..., replace=True)`` to
    register an implementation, but no public way to read the one registered
    before it. The SQLite rebuilds must call that one for every other database
    and inside batch blocks, and it may not be Alembic's own (another extension
    may have replaced it first), so it is read from the dispatcher that
    ``implementation_for`` writes to: ``AbstractOperations._to_impl``, a
    ``Dispatcher`` shared by ``Operations`` and ``BatchOperations`` whose
    ``dispatch`` accepts a class and walks its MRO. "default" is the qualifier
    ``implementation_for`` registers under.
    """
    found: Implementation = Operations._to_impl.dispatch(op_class, "default")
    return found


def upgrade_steps(script: ScriptDirectory, destination: str, current: Any) -> list[Any]:
    """The steps from *current* up to *destination*, as ``alembic upgrade`` plans them.

    ``flask_remodel.testing`` runs revisions on a connection it holds itself
    (a scratch database, not the app's), so it cannot go through
    ``command.upgrade`` and the env.py; Alembic's planning of the steps is only
    reachable as ``ScriptDirectory._upgrade_revs``, which ``command.upgrade``
    itself calls.
    """
    steps: list[Any] = script._upgrade_revs(destination, current)
    return steps


def downgrade_steps(script: ScriptDirectory, destination: str, current: Any) -> list[Any]:
    """The steps from *current* down to *destination* (``ScriptDirectory._downgrade_revs``)."""
    steps: list[Any] = script._downgrade_revs(destination, current)
    return steps


def single_step(script: ScriptDirectory, revision: Script, is_upgrade: bool) -> list[Any]:
    """Exactly one revision applied or undone, whatever else the database is at.

    Downgrading "to the parent" with Alembic's planner also undoes every other
    applied branch built on that parent, so a check that takes one revision
    down and up again on a branched history needs the single
    ``RevisionStep`` that the planner would build for it. ``RevisionStep`` and
    its constructor ``(revision_map, script, is_upgrade)`` are unchanged
    between 1.18 and 1.20.
    """
    from alembic.runtime.migration import RevisionStep

    return [RevisionStep(script.revision_map, revision, is_upgrade)]
