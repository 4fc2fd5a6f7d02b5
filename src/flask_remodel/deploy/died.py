"""What a ledger row left ``running`` by a process that died means.

``status`` (which only reads) and the next ``upgrade`` (which closes the row,
under the deploy lock) conclude the same from the same facts, so the way
out that ``status`` names is the one ``upgrade`` then takes:

* the version table shows the revision done: the process died after its
  commit, and the row only missed being closed;
* where DDL is transactional, or nothing was committed: the database rolled
  it back, and ``upgrade`` runs it again;
* on MariaDB/MySQL, statements the row lists as in flight (sent, the process
  gone before it learnt the result) are looked up in the schema
  (:mod:`.schema_check`): kept if they took effect, dropped if not, and left
  marked as unknown when the schema cannot tell;
* a revision that only runs ``op.backfill`` and committed only its batches
  resumes: running it again updates the rows still to do;
* anything else committed makes the revision ``partial``: it needs a person
  and ``resolve``.

Only call this once the process is known to be gone (the lock is free and no
session of its holder is open), so that no statement of it still runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from alembic.script import Script
from sqlalchemy.engine import Engine

from . import ledger as outcomes
from .committed import is_in_flight
from .committed import landed
from .committed import statement_of
from .copy_leftovers import find_leftovers
from .copy_leftovers import table_of_entry
from .ledger import Entry
from .schema_check import took_effect
from .scripts import revision_facts


@dataclass(frozen=True)
class Conclusion:
    outcome: str
    reason: str
    """What the row shows, said after "the process died"."""
    executed: tuple[str, ...]
    """What the row should list: committed statements, and in-flight ones not told apart."""

    @property
    def uncertain(self) -> tuple[str, ...]:
        return tuple(e for e in self.executed if is_in_flight(e))


def settle(bind: Engine, executed: tuple[str, ...]) -> tuple[str, ...]:
    """*executed* with its in-flight statements looked up in the schema.

    The in-flight entries are the last ones: the statement that was sent, and
    before it the row changes of the revision's transaction that its
    implicit commit commits. If the schema shows the statement took effect,
    so did they; if it shows it did not, it is dropped and they stay unknown
    (the commit comes before the statement runs, which may then fail).
    """
    flying = [e for e in executed if is_in_flight(e)]
    if not flying:
        return executed
    kept = tuple(e for e in executed if not is_in_flight(e))
    effect = took_effect(bind, statement_of(flying[-1]))
    if effect is None:
        return (*kept, *flying)
    if effect:
        return (*kept, *(landed(e) for e in flying))
    return (*kept, *flying[:-1])


def _backfill_only(script: Script | None) -> bool:
    if script is None:
        return False
    try:
        ops = revision_facts(script.path).upgrade_ops
    except (OSError, SyntaxError, ValueError):
        return False
    return bool(ops) and all(op.startswith("op.backfill(") for op in ops)


def resumes(script: Script | None, executed: tuple[str, ...]) -> bool:
    """A backfill in a revision of its own that committed nothing but its batches."""
    updates = all(statement_of(e).lstrip()[:6].upper() == "UPDATE" for e in executed)
    return updates and _backfill_only(script)


def copy_leftovers(bind: Engine, executed: tuple[str, ...]) -> str:
    """What the table copies the row shows in flight left behind (pt-osc's triggers and
    shadow table), said for the row's reason; empty when nothing is left."""
    found = []
    for entry in executed:
        where = table_of_entry(entry) if is_in_flight(entry) else None
        if where is not None:
            left = find_leftovers(bind, *where)
            if left:
                found.append(left.describe())
    if not found:
        return ""
    return (
        f"; the table copy it ran left {'; '.join(found)}, which the next upgrade removes"
        " before it goes on"
    )


def conclude(
    entry: Entry, applied: set[str], transactional: bool, bind: Engine,
    script: Script | None,
) -> Conclusion:
    """The outcome of *entry*, a ``running`` row whose process is gone (with what its
    table copies left, if anything: see :func:`copy_leftovers`).
    """
    found = _conclude(entry, applied, transactional, bind, script)
    left = copy_leftovers(bind, entry.executed) if not transactional else ""
    return Conclusion(found.outcome, found.reason + left, found.executed) if left else found


def _conclude(
    entry: Entry, applied: set[str], transactional: bool, bind: Engine,
    script: Script | None,
) -> Conclusion:
    """The outcome of *entry*, a ``running`` row whose process is gone.

    *applied*: the revisions the version table shows applied; *bind*: the
    engine to read the schema with; *script*: the revision.
    """
    if (entry.revision in applied) == (entry.direction == "upgrade"):
        outcome = outcomes.APPLIED if entry.direction == "upgrade" else outcomes.ROLLED_BACK
        done = tuple(landed(e) for e in entry.executed)  # it ran to the end
        moved = "after the version table moved, so the row only missed being closed"
        return Conclusion(outcome, moved, done)
    rolled_back = "the database rolled it back, so upgrade runs it again"
    if transactional or not entry.executed:
        return Conclusion(outcomes.INTERRUPTED, rolled_back, ())
    executed = settle(bind, entry.executed)
    if not executed:
        return Conclusion(
            outcomes.INTERRUPTED,
            "the statement it had sent did not take effect (the schema shows), so upgrade"
            " runs it again", (),
        )
    if entry.direction == "upgrade" and resumes(script, executed):
        return Conclusion(
            outcomes.INTERRUPTED,
            "during its backfill; the batches done stay, and upgrade carries on with the"
            " rows still to do", executed,
        )
    reason = "after committing some statements"
    if any(is_in_flight(e) for e in executed):
        reason += (
            "; whether the statement(s) marked uncertain took effect cannot be told from"
            " the schema: check them before 'flask db resolve'"
        )
    return Conclusion(outcomes.PARTIAL, reason, executed)
