"""What a fleet run did to each target: :class:`FleetReport`."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from typing import Any

DONE = "done"
FAILED = "failed"
SKIPPED = "skipped"
NOT_STARTED = "not started"
RUNNING = "running"


@dataclass
class TargetOutcome:
    """One target's part of a fleet run."""

    name: str
    where: str
    state: str = NOT_STARTED
    """``done``, ``failed``, ``skipped`` (already at the revision, with ``--resume``),
    ``not started`` (the run stopped first) or, while it runs, ``running``."""
    from_revisions: tuple[str, ...] = ()
    to_revisions: tuple[str, ...] = ()
    applied: int = 0
    """How many revisions ran."""
    seconds: float | None = None
    error: str | None = None
    """The failure's first line (passwords masked)."""
    interrupted: bool = False
    """Stopped by Ctrl-C: the run starts no other target."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "where": self.where, "state": self.state,
            "from": list(self.from_revisions), "to": list(self.to_revisions),
            "applied": self.applied,
            "seconds": round(self.seconds, 3) if self.seconds is not None else None,
            "error": self.error, "interrupted": self.interrupted,
        }


@dataclass
class FleetReport:
    """Every chosen target's outcome, in declaration order."""

    revision: str
    targets: list[TargetOutcome] = field(default_factory=list)
    stopped: str | None = None
    """Why targets were left unstarted: ``canary failed``, ``first failure`` or
    ``interrupted``; ``None`` when every target was tried."""
    parallel: int = 1
    seconds: float = 0.0

    def in_state(self, state: str) -> list[TargetOutcome]:
        return [t for t in self.targets if t.state == state]

    @property
    def failed(self) -> list[TargetOutcome]:
        return self.in_state(FAILED)

    @property
    def ok(self) -> bool:
        """True when every target is done or skipped."""
        return all(t.state in (DONE, SKIPPED) for t in self.targets)

    def counts(self) -> dict[str, int]:
        found = {state: 0 for state in (DONE, SKIPPED, RUNNING, FAILED, NOT_STARTED)}
        for target in self.targets:
            found[target.state] += 1
        return found

    def as_dict(self) -> dict[str, Any]:
        return {
            "revision": self.revision, "ok": self.ok, "stopped": self.stopped,
            "parallel": self.parallel, "seconds": round(self.seconds, 3),
            "counts": self.counts(), "targets": [t.as_dict() for t in self.targets],
        }
