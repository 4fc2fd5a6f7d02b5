"""The deploy lock's own session ended by the server while its holder runs a revision.

An administrator's ``KILL`` / ``pg_terminate_backend`` (or an idle timeout, or a
pooler) ends the lock's session, not the migration's: the lock is free while
the holder still works. At a chosen statement of the upgrade, the holder's
lock session is ended and the holder pauses before that statement, while a
second ``upgrade`` (the waiter) starts and finds the lock free. The holder
must stop cleanly (exit 10), its revision recorded as it is; the waiter must
not take it for dead meanwhile (each revision runs once, and the waiter's row
for the holder's revision starts only after the holder's was closed). Then the
checks and the documented recovery of the random kills.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from collections.abc import Iterator

import pytest

from flask_remodel.deploy.errors import DeployLockLostError
from support import rows

from .trial import FaultProject
from .trial import Ran
from .trial import Zygote
from .trial import check_recovered
from .trial import check_truthful
from .trial import recover

# The main leg only (all three databases, newest Python): see the Makefile.
pytestmark = [pytest.mark.faults, pytest.mark.backends("postgresql", "mariadb")]

# A DDL statement (nothing of its revision ran yet), a data change after a
# committed CREATE TABLE on MariaDB (partial), and a backfill's third batch.
STATEMENTS = [
    "ALTER TABLE item ADD COLUMN price", "INSERT INTO item_note", "UPDATE item SET label#3",
]
PAUSE = 2.5  # seconds the holder goes on after losing its lock, before its next statement


@pytest.fixture(scope="session")
def waiter_zygote() -> Iterator[Zygote]:
    started = Zygote()
    yield started
    started.close()


def _wait_for(path: object, holder: threading.Thread, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():  # type: ignore[attr-defined]
        assert holder.is_alive(), "the holder ended before its lock's session was killed"
        assert time.monotonic() < deadline, "the lock's session was never killed"
        time.sleep(0.02)


@pytest.mark.parametrize("statement", STATEMENTS)
def test_the_server_ends_the_lock_session(
    fault_project: Callable[..., FaultProject], waiter_zygote: Zygote, backend: str,
    statement: str, record_property: Callable[[str, object], None],
) -> None:
    project = fault_project()
    row = {"what": "server kills the lock's session", "database": backend, "fault": statement}
    record_property("fault_trial", row)
    context = f"{backend}: the lock's session ended before {statement}"
    before = project.answers()

    ran: list[Ran] = []
    holder = threading.Thread(target=lambda: ran.append(project.upgrade(
        REMODEL_FAULT_LOCK_KILL=statement, REMODEL_FAULT_LOCK_PAUSE=str(PAUSE),
    )))
    holder.start()
    _wait_for(project.root / "lock-killed", holder)
    waiter = project.upgrade(zygote=waiter_zygote, name="waiter")
    holder.join(timeout=120)
    [held] = ran

    assert held.returncode == DeployLockLostError.exit_code, f"{context}: {held.output}"
    assert "Lost the deploy lock during revision" in held.output, held.output
    # The waiter waited for the holder, then either ran the rest or, with part
    # of the holder's revision committed (MariaDB), refused it until resolved.
    assert waiter.returncode in (0, 9), f"{context}: waiter {waiter.returncode}\n{waiter.output}"
    ledger = rows(
        project.url,
        "SELECT revision, outcome, started_at, finished_at FROM remodel_ledger"
        " WHERE direction = 'upgrade' ORDER BY id",
    )
    stopped = [r for r in ledger if r[1] in ("interrupted", "partial")]
    assert len(stopped) == 1, f"{context}: {ledger}"
    later = [r for r in ledger if r[0] == stopped[0][0] and r[2] > stopped[0][2]]
    assert all(r[2] >= stopped[0][3] for r in later), f"{context}: ran alongside: {ledger}"
    check_truthful(project, context)
    assert project.answers() == before, f"{context}: heads/history changed"
    row["status"], row["recovery"] = recover(project)
    if statement.startswith("UPDATE item SET label"):  # a backfill resumes: no resolve
        assert row["recovery"] == "upgrade", row
    check_recovered(project, context)
