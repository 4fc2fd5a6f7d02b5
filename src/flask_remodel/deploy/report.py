"""What an ``upgrade`` or ``downgrade`` under the deploy runner reports back.

Kept apart from :mod:`.runner` (which needs Alembic) so that an upgrade with
nothing to do can report, as the runner would, without importing Alembic.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

from .backup import Backup


@dataclass
class StepResult:
    revision: str
    direction: str
    seconds: float
    message: str = ""


@dataclass
class DeployReport:
    """What ``upgrade``/``downgrade`` did under the lock."""

    steps: list[StepResult] = field(default_factory=list)
    locked: bool = False
    """False when there was nothing to do, so no lock was taken."""
    waited: float = 0.0
    backup: Backup | None = None
    held_back: list[str] = field(default_factory=list)
    """Pending revisions left for ``--phase post``."""
