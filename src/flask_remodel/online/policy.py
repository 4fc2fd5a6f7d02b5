"""How long a migration statement may wait for a lock, and how often it tries again.

Read from the app's settings (:class:`flask_remodel.settings.RemodelSettings`,
which declares these keys), or from any mapping with :meth:`LockPolicy.from_config`,
so this module needs no Flask::

    REMODEL_LOCK_TIMEOUT      ms a statement may wait for a lock (default 50; 0 = no limit,
                              which also turns the retries off)
    REMODEL_LOCK_RETRIES      how many times a timed-out statement is tried again (default 10)
    REMODEL_LOCK_RETRY_DELAY  ms before the first retry; each later pause doubles, up to
                              5 s (default 100)
    REMODEL_STATEMENT_TIMEOUT ms any one statement may run (default 0 = no limit)

A short lock timeout is what keeps an upgrade from stopping the application:
a waiting ALTER makes every later read or write of the table queue behind it,
so the time it may wait is the time the application may stall.
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import SettingsError
from ..settings import RemodelSettings
from ..settings import declaration
from ..settings import read
from .errors import LockPolicyError

MAX_RETRY_DELAY_MS = 5000

# LockPolicy field -> the RemodelSettings field that declares its key.
_SETTINGS = {
    "lock_timeout_ms": "lock_timeout",
    "retries": "lock_retries",
    "retry_delay_ms": "lock_retry_delay",
    "statement_timeout_ms": "statement_timeout",
}


@dataclass(frozen=True)
class LockPolicy:
    """Lock and statement timeouts for one migration run, and the retry schedule."""

    lock_timeout_ms: int = 50
    retries: int = 10
    retry_delay_ms: int = 100
    statement_timeout_ms: int = 0

    @property
    def enabled(self) -> bool:
        return self.lock_timeout_ms > 0 or self.statement_timeout_ms > 0

    def pauses(self) -> Iterator[float]:
        """Seconds to sleep before each retry: a doubling schedule, capped."""
        if self.lock_timeout_ms <= 0:
            return
        delay = self.retry_delay_ms
        for _ in range(self.retries):
            yield min(delay, MAX_RETRY_DELAY_MS) / 1000
            delay *= 2

    @classmethod
    def from_settings(cls, settings: RemodelSettings) -> LockPolicy:
        """The policy of the app's checked settings."""
        return cls(**{field: getattr(settings, name) for field, name in _SETTINGS.items()})

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> LockPolicy:
        """The policy the ``REMODEL_*`` keys of *config* describe (defaults for missing keys).

        For a plain Alembic ``env.py``; reads only these four keys, and raises
        :class:`LockPolicyError` (a :class:`~flask_remodel.errors.SettingsError`) on a bad one.
        """
        values = {}
        for field, name in _SETTINGS.items():
            try:
                values[field] = read(declaration(name), config, {})
            except SettingsError as exc:
                raise LockPolicyError(
                    exc.key, exc.value, exc.accepts, exc.fix, exc.source
                ) from exc
        return cls(**values)
