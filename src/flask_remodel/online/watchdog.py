"""Lock waits shorter than a second on MariaDB/MySQL.

``lock_wait_timeout`` counts whole seconds, and every write to a table queues
behind an ALTER that waits for its metadata lock, so one second is already a
stall the application notices. While a statement runs, a thread looks at it
from a second connection every 10 ms; once it has waited for a lock longer
than the policy allows, that one query is cancelled (``KILL QUERY ID``, which
cannot hit a later statement) and the attempt counts as a lock timeout, to be
retried like one. ``lock_wait_timeout`` stays set, rounded up, as a backstop.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection

POLL_SECONDS = 0.01


@dataclass
class Shot:
    """Whether the watchdog cancelled the statement of one attempt."""

    fired: bool = False


class LockWaitWatchdog:
    """Cancels a statement of *connection* that waits for a lock more than *limit_ms*."""

    def __init__(self, connection: Connection, limit_ms: int) -> None:
        self.engine = connection.engine
        self.limit_ms = limit_ms
        self.target = int(connection.exec_driver_sql("SELECT CONNECTION_ID()").scalar() or 0)
        self._other: Connection | None = None

    def _connection(self) -> Connection:
        if self._other is None:
            self._other = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        return self._other

    @contextmanager
    def watching(self) -> Iterator[Shot]:
        shot = Shot()
        done = threading.Event()
        thread = threading.Thread(target=self._watch, args=(shot, done), daemon=True)
        thread.start()
        try:
            yield shot
        finally:
            done.set()
            thread.join()

    def _watch(self, shot: Shot, done: threading.Event) -> None:
        try:
            other = self._connection()
            while not done.wait(POLL_SECONDS):
                row: Any = other.exec_driver_sql(
                    "SELECT STATE, TIME_MS, QUERY_ID FROM information_schema.PROCESSLIST"
                    f" WHERE ID = {self.target}"
                ).first()
                if row is None:
                    return
                state, waited_ms, query_id = row
                if "lock" in str(state or "").lower() and float(waited_ms) >= self.limit_ms:
                    if not done.is_set():
                        other.exec_driver_sql(f"KILL QUERY ID {int(query_id)}")
                        shot.fired = True
                    return
        except Exception:  # best effort: lock_wait_timeout still bounds the wait
            return

    def close(self) -> None:
        if self._other is not None:
            self._other.close()
            self._other = None
