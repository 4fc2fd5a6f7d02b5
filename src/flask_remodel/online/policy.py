"""How long a migration statement may wait for a lock, and how often it tries again.

Read once per run from the app's config (any mapping, so this module needs no
Flask)::

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

from .errors import LockPolicyError

MAX_RETRY_DELAY_MS = 5000

_KEYS = {
    "lock_timeout_ms": ("REMODEL_LOCK_TIMEOUT", 50),
    "retries": ("REMODEL_LOCK_RETRIES", 10),
    "retry_delay_ms": ("REMODEL_LOCK_RETRY_DELAY", 100),
    "statement_timeout_ms": ("REMODEL_STATEMENT_TIMEOUT", 0),
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
    def from_config(cls, config: Mapping[str, Any]) -> LockPolicy:
        """The policy the ``REMODEL_*`` keys of *config* describe (defaults for missing keys)."""
        values = {field: _whole_number(config, key, default) for field, (key, default) in
                  _KEYS.items()}
        return cls(**values)


def _whole_number(config: Mapping[str, Any], key: str, default: int) -> int:
    value = config.get(key, default)
    if value is None:
        return default
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise LockPolicyError(
            f"{key} must be a whole number of {'retries' if 'RETRIES' in key else 'ms'} "
            f"(0 or more), not {value!r}: set e.g. app.config['{key}'] = {default}."
        )
    return value
