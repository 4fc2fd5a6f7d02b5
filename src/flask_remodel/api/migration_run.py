"""What ``upgrade``, ``downgrade``, ``stamp`` and ``ensure-version`` return.

Its own module, free of Alembic, so that an upgrade with nothing to do can
return one without importing Alembic (:mod:`.upgrading`).
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

from ..deploy.report import DeployReport
from ..steps import AppliedStep


@dataclass
class MigrationRun:
    """What a command did: the steps applied, or the SQL it wrote with ``sql=True``."""

    steps: list[AppliedStep] = field(default_factory=list)
    sql: str | None = None
    deploy: DeployReport | None = None
    """Online runs: the lock, timings, backup and held-back revisions (docs/deploys.md)."""
