"""The deploy settings ``upgrade`` and ``downgrade`` take, checked before anything runs.

Free of Alembic: an upgrade with nothing to do checks them too, so a bad
setting fails the same way whether or not there was work.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..deploy.scripts import PHASES
from ..errors import ConfigurationError
from ..extension import current_settings

if TYPE_CHECKING:
    from ..deploy.runner import DeployOptions
    from ..deploy.runner import Progress


class BadOptionError(ConfigurationError):
    def __init__(self, what: str) -> None:
        super().__init__(f"{what}.")


def lock_wait_setting(given: float | None) -> float:
    """``--lock-wait``, else ``REMODEL_LOCK_WAIT`` (app config, then environment), else 600 s."""
    if given is None:
        return current_settings().lock_wait
    try:
        seconds = float(str(given))
    except ValueError:
        seconds = -1.0
    if not seconds >= 0:
        raise BadOptionError(
            f"lock_wait / --lock-wait must be a number of seconds (0 or more), not {given!r}"
        )
    return seconds


@dataclass
class DeploySettings:
    """The deploy options of ``upgrade``/``downgrade``, as the API takes them."""

    lock_wait: float | None = None
    phase: str | None = None
    backup: bool = False
    backup_dir: str | os.PathLike[str] | None = None
    progress: Progress | None = None

    def check(self) -> float:
        """The lock wait in seconds; ``BadOptionError`` for a bad phase or lock wait."""
        if self.phase is not None and self.phase not in PHASES:
            raise BadOptionError(f"phase must be 'pre' or 'post', not {self.phase!r}")
        return lock_wait_setting(self.lock_wait)

    def options(self) -> DeployOptions:
        from ..deploy.runner import DeployOptions  # imports Alembic: not for a no-op upgrade

        lock_wait = self.check()
        folder = None
        if self.backup:
            folder = Path(self.backup_dir or current_settings().backup_dir)
        return DeployOptions(lock_wait, self.phase, folder, self.progress)
