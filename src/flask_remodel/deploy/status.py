"""``status`` and ``validate``: the version table and the ledger, read side by side."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from typing import Any

from alembic.script import Script

from . import ledger as outcomes
from .died import conclude
from .ledger import Entry
from .locks import current_holder
from .locks import lock_is_free
from .replaced import Replacement
from .replaced import replacements
from .runner import Target
from .runner import pending_upgrades
from .runner import phase_of
from .scripts import checksum

_APPLIED_STATES = frozenset({outcomes.APPLIED, outcomes.ADOPTED, outcomes.STAMPED})
_PROBLEMS = frozenset(
    {outcomes.RUNNING, outcomes.FAILED, outcomes.PARTIAL, outcomes.INTERRUPTED}
)


@dataclass(frozen=True)
class RevisionState:
    revision: str
    message: str
    state: str
    """``applied``, ``pending``, ``failed``, ``partial``, ``interrupted`` or ``running``."""
    phase: str | None = None
    entry: Entry | None = None
    edited: bool = False
    reason: str = ""
    """For a problem: why it is in this state (the ledger's error, or what status concluded)."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "revision": self.revision, "message": self.message, "state": self.state,
            "phase": self.phase, "edited": self.edited, "reason": self.reason,
            "ledger": self.entry.as_dict() if self.entry else None,
        }


@dataclass
class DeployStatus:
    heads: tuple[str, ...]
    applied: list[RevisionState] = field(default_factory=list)
    pending: list[RevisionState] = field(default_factory=list)
    problems: list[RevisionState] = field(default_factory=list)
    lock_holder: str | None = None
    has_ledger: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "heads": list(self.heads), "has_ledger": self.has_ledger,
            "lock_holder": self.lock_holder,
            "applied": [r.as_dict() for r in self.applied],
            "pending": [r.as_dict() for r in self.pending],
            "problems": [r.as_dict() for r in self.problems],
        }


def _edited(script: Script, entry: Entry | None) -> bool:
    if entry is None or entry.checksum is None:
        return False
    try:
        return checksum(script.path) != entry.checksum
    except OSError:
        return True


class _Squashes:
    """What the folder's squashed files replaced, read once and only if asked."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self._found: dict[str, Replacement] | None = None

    def get(self, revision: str) -> Replacement | None:
        if self._found is None:
            self._found = replacements(self.target.script)
        return self._found.get(revision)

    def accounts_for(self, entry: Entry) -> bool:
        """Whether *entry* is a run of a file a squash replaced, as the squash recorded it."""
        found = self.get(entry.revision)
        return found is not None and found.accounts_for(entry.checksum)


def status(target: Target) -> DeployStatus:
    ledger = target.ledger()
    heads = target.heads()
    result = DeployStatus(heads, has_ledger=ledger.exists())
    latest = ledger.latest()
    free = lock_is_free(target.engine, target.schema)
    if not free:
        holder = current_holder(target.engine, target.schema)
        result.lock_holder = holder.describe() if holder else "another instance"
    squashes = _Squashes(target)
    for script in target.applied(heads):
        entry = latest.get(script.revision)
        edited = _edited(script, entry) and not (entry and squashes.accounts_for(entry))
        result.applied.append(
            RevisionState(script.revision, script.doc or "", "applied", phase_of(script),
                          entry, edited)
        )
    for script in pending_upgrades(target.script, heads, "heads"):
        result.pending.append(
            RevisionState(script.revision, script.doc or "", "pending", phase_of(script),
                          latest.get(script.revision))
        )
    known = {r.revision for r in result.applied}
    for revision, entry in latest.items():
        if entry.outcome not in _PROBLEMS:
            continue
        state, reason = entry.outcome, entry.error or ""
        if state == outcomes.RUNNING and free:
            # Nobody holds the lock, so the process that started it is gone:
            # say what the next upgrade will conclude, and what its row will list.
            found = conclude(
                entry, known, target.transactional, target.engine, target.script_of(revision)
            )
            state = found.outcome
            reason = "the process running it stopped (nobody holds the deploy lock); "
            reason += found.reason
            if found.outcome in (outcomes.APPLIED, outcomes.ROLLED_BACK):
                state = f"{found.outcome.replace('_', ' ')} (ledger not closed)"
                reason += "; the next upgrade closes the row"
            entry = replace(entry, executed=found.executed)
        elif state == outcomes.RUNNING:
            reason = "running now, under the deploy lock"
        result.problems.append(
            RevisionState(revision, "", state, None, entry, reason=reason or "no reason recorded")
        )
    return result


def validate(target: Target) -> list[str]:
    """One line per applied revision whose file changed or is missing (empty: all good).

    A revision that ``flask db squash`` replaced is neither: its ledger row is
    accounted for by the squashed file when the checksum matches the one the
    squash recorded (see :mod:`.replaced`).
    """
    problems = []
    squashes = _Squashes(target)
    for revision, entry in target.ledger().latest().items():
        if entry.outcome not in _APPLIED_STATES:
            continue
        try:
            script = target.script.get_revision(revision)
        except Exception:
            script = None
        if isinstance(script, Script) and not _edited(script, entry):
            continue
        if squashes.accounts_for(entry):
            continue
        replaced = squashes.get(revision)
        if not isinstance(script, Script) and replaced is not None:
            problems.append(
                f"revision {revision} was edited after it was applied and before "
                f"'flask db squash' replaced it with {replaced.by}, so this database ran "
                f"other code than {replaced.by} holds (once its schema is checked: "
                f"'flask db resolve {revision} --retired')"
            )
        elif not isinstance(script, Script):
            problems.append(f"revision {revision} is applied but its file is missing")
        else:
            problems.append(
                f"revision {revision} was edited after it was applied ({script.path})"
            )
    return problems
