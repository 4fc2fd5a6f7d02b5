"""The client stops waiting for a DDL statement that the server goes on running.

Another session holds ``item`` so ``r2``'s ``ALTER TABLE item ADD COLUMN price``
waits in the server; then the ``upgrade`` process gets Ctrl-C (SIGINT), or its
connection's socket is shut (a dropped network), and the blocker lets go of
``item`` at once (the server may then complete the statement with nobody
waiting for it) or a few seconds later. The process must keep the deploy lock
until the statement is over on the server, record the truth against the real
schema, with the cause as the error, and the documented recovery must reach
head.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from support import engine_for
from support import rows

from .history import present
from .trial import FaultProject
from .trial import Ran
from .trial import check_recovered
from .trial import check_truthful
from .trial import recover

pytestmark = [pytest.mark.faults, pytest.mark.backends("postgresql", "mariadb")]

STATEMENT = "ALTER TABLE item ADD COLUMN price"  # r2's only statement
CAUSES = {"int": "interrupted by Ctrl-C", "drop": "connection lost"}
CASES = [("int", "0"), ("int", "3"), ("drop", "0"), ("drop", "3")]

_BUSY = {
    "postgresql": "SELECT count(*) FROM pg_stat_activity WHERE pid = {id} AND state <> 'idle'",
    "mariadb": "SELECT count(*) FROM information_schema.PROCESSLIST WHERE ID = {id}"
    " AND COMMAND <> 'Sleep'",
}
_LOCKED = {
    "postgresql": "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    "mariadb": "SELECT IS_USED_LOCK(CONCAT('flask-remodel:', DATABASE())) IS NOT NULL",
}


def _wait_for(path: Path, upgrade: threading.Thread, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert upgrade.is_alive(), "the upgrade ended before its statement was cut off"
        assert time.monotonic() < deadline, "the statement was never cut off"
        time.sleep(0.01)


def _lock_let_go_early(url: str, backend: str, session: int, upgrade: threading.Thread) -> int:
    """How often the deploy lock was seen free while the cut-off statement still ran."""
    early = 0
    with engine_for(url) as engine, engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        while upgrade.is_alive():
            busy = connection.exec_driver_sql(_BUSY[backend].format(id=session)).scalar()
            if not busy:
                break
            if not connection.exec_driver_sql(_LOCKED[backend]).scalar():
                early += 1
            time.sleep(0.01)
    return early


@pytest.mark.parametrize(("how", "hold"), CASES, ids=[f"{h}-hold{s}" for h, s in CASES])
def test_a_statement_cut_off_in_the_server(
    fault_project: Callable[..., FaultProject], backend: str, how: str, hold: str,
    record_property: Callable[[str, object], None],
) -> None:
    project = fault_project()
    fault = f"{how}, blocker held {hold} s more"
    row = {"what": "client stops waiting for a DDL", "database": backend, "fault": fault}
    record_property("fault_trial", row)
    context = f"{backend}: {CAUSES[how]} during {STATEMENT}, blocker held {hold} s after"
    before = project.answers()

    ran: list[Ran] = []
    upgrade = threading.Thread(target=lambda: ran.append(project.upgrade(
        REMODEL_FAULT_CUT=f"{how}:{STATEMENT}", REMODEL_FAULT_HOLD=hold,
    )))
    upgrade.start()
    marker = project.root / "cut-session"
    _wait_for(marker, upgrade)
    early = _lock_let_go_early(project.url, backend, int(marker.read_text()), upgrade)
    upgrade.join(timeout=120)
    [result] = ran

    assert result.returncode == 1, f"{context}: exit {result.returncode}\n{result.output}"
    assert not early, f"{context}: the lock was free {early} time(s) while the statement ran"
    # Settled by the process itself, before it let the lock go: not left 'running'.
    outcome, executed = project.last_outcomes()["r2"]
    took_effect = present(project.url, project.rows)["r2"] == "all"
    assert outcome == ("partial" if took_effect else "interrupted"), (
        f"{context}: r2 {outcome} ({executed!r}), in the schema: {took_effect}"
    )
    assert "in flight" not in executed, f"{context}: {executed!r}"
    [(error,)] = rows(
        project.url,
        "SELECT error FROM remodel_ledger WHERE revision = 'r2' AND direction = 'upgrade'",
    )
    assert str(error).startswith(f"{CAUSES[how]} during: {STATEMENT}"), f"{context}: {error}"
    check_truthful(project, context)
    assert project.answers() == before, f"{context}: heads/history changed"
    status = project.made.ok("status").output
    assert f"r2  {outcome}: {CAUSES[how]} during" in status, status
    row["fault"] += " (completed)" if took_effect else " (not run)"
    row["status"], row["recovery"] = recover(project)
    check_recovered(project, context)


DATA_CHANGE = "UPDATE item SET price"  # r3's only statement


@pytest.mark.backends("mariadb")
def test_a_second_ctrl_c_leaves_the_statement_to_the_next_upgrade(
    fault_project: Callable[..., FaultProject], backend: str,
    record_property: Callable[[str, object], None],
) -> None:
    """Ctrl-C while ``r3``'s UPDATE waits for a row lock; while the process waits for the
    server, a second Ctrl-C stops it. It leaves ``r3``'s row ``running`` and its lock
    row (naming the session): the next ``upgrade`` waits until the statement's session
    is gone before it closes the row and goes on.

    MariaDB: a statement waiting for an InnoDB row lock goes on waiting after its
    client is gone (here, for a lock the test holds past the first process's end).
    """
    project = fault_project()
    row = {"what": "second Ctrl-C while waiting", "database": backend, "fault": "INT, INT"}
    record_property("fault_trial", row)
    context = f"{backend}: Ctrl-C during {DATA_CHANGE}, then a second one"
    ran: list[Ran] = []
    first = threading.Thread(target=lambda: ran.append(project.upgrade(
        REMODEL_FAULT_CUT=f"int:{DATA_CHANGE}", REMODEL_FAULT_HOLD="outside",
        REMODEL_FAULT_AGAIN="1", REMODEL_FAULT_LOCK_TIMEOUT="0",  # no lock-wait limit to end it
    )))
    first.start()
    _wait_for(project.root / "blocker-wanted", first)
    with engine_for(project.url) as engine, engine.connect() as blocker:
        blocker.exec_driver_sql("UPDATE item SET qty = qty WHERE id = 1")  # its row lock
        (project.root / "blocker-held").touch()
        first.join(timeout=60)
        [result] = ran
        assert result.returncode == 1, f"{context}: exit {result.returncode}\n{result.output}"
        assert "Stopping, interrupted by Ctrl-C during: UPDATE item SET price" in result.output
        assert project.last_outcomes()["r3"][0] == "running", result.output
        assert rows(project.url, "SELECT count(*) FROM remodel_lock") == [(1,)], context

        waiter = threading.Thread(target=lambda: ran.append(project.upgrade(name="waiter")))
        waiter.start()
        time.sleep(3)
        assert waiter.is_alive(), f"{context}: the next upgrade did not wait: {ran}"
        blocker.rollback()  # the abandoned statement runs, its session ends, the waiter goes on
    waiter.join(timeout=120)
    after = ran[-1]
    assert after.returncode == 0, f"{context}: {after.output}"
    assert "still running after its lock's session ended" in after.output, after.output
    [(outcome, error)] = rows(
        project.url,
        "SELECT outcome, error FROM remodel_ledger WHERE revision = 'r3'"
        " AND direction = 'upgrade' ORDER BY id LIMIT 1",
    )
    assert outcome == "interrupted" and str(error).startswith("the process died"), (outcome, error)
    row["status"], row["recovery"] = "r3 running", "upgrade (waited)"
    check_recovered(project, context)
