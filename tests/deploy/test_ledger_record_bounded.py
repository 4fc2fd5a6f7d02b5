"""The ledger's record of a revision stays the same size however many batches it runs.

Issue 17/18: each batch of a backfill used to add its ``UPDATE`` to the
row's ``executed`` column, so on MariaDB (a 64 KiB ``TEXT``) a backfill of
about 540 batches failed with "Data too long for column 'executed'" and
left the expansion half done. A repeated statement is now one entry, with
how many times it ran and, for a backfill, how far it got.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time

from support import rows

from .conftest import Project

TRANSACTIONAL = ("sqlite", "postgresql")
ROWS = 1100


def _add_big_table(project: Project, rows_: int = ROWS, check: str = "") -> None:
    """A revision that creates ``big`` (``id``, ``n``, ``m``): *rows_* rows, ``n``/``m`` NULL."""
    constraint = f", sa.CheckConstraint({check!r})" if check else ""
    project.add(
        "big = op.create_table('big', sa.Column('id', sa.Integer, primary_key=True),"
        f" sa.Column('n', sa.Integer), sa.Column('m', sa.Integer){constraint})\n"
        f"op.bulk_insert(big, [{{'id': i}} for i in range(1, {rows_ + 1})])",
        sleep=0,
    )


def _backfill(project: Project, column: str, batch_size: int, pause: float = 0.0) -> str:
    return project.add(
        f"op.backfill('big', {{{column!r}: 'id'}}, where='{column} IS NULL',"
        f" batch_size={batch_size}, batch_time=None, pause={pause})",
        sleep=0,
    )


def _record(project: Project, revision: str) -> str:
    """The ``executed`` column of *revision*'s last ledger row."""
    found = [e for e in project.ledger() if e["revision"] == revision]
    return str(found[-1]["executed"] or "")


def test_the_record_does_not_grow_with_the_batches(project: Project, backend: str) -> None:
    _add_big_table(project)
    few = _backfill(project, "n", batch_size=11)  # 100 batches
    many = _backfill(project, "m", batch_size=1)  # 1,100 batches
    result = project.made.ok("upgrade")
    assert f"[100%] 1,100 of 1,100 row(s), batch {ROWS}, up to id={ROWS}" in result.output
    assert rows(project.url, "SELECT COUNT(*) FROM big WHERE n = id AND m = id") == [(ROWS,)]
    outcomes = {e["revision"]: e["outcome"] for e in project.ledger()}
    assert outcomes[few] == outcomes[many] == "applied"
    small, large = _record(project, few), _record(project, many)
    print(f"\n{backend}: record of 100 batches {len(small)} chars, of 1,100: {len(large)}")
    if backend in TRANSACTIONAL:
        # The revision's own statements commit with its row: nothing to record.
        assert small == large == ""
        return
    # One entry each; only the count's digits differ ("100" and "1,100").
    assert small.count("UPDATE big") == large.count("UPDATE big") == 1
    assert "ran 100 times, 1,100 row(s), up to id=1100" in small
    assert "ran 1,100 times, 1,100 row(s), up to id=1100" in large
    assert len(large) - len(small) <= 2
    status = project.made.ok("status").output
    assert "Needs attention" not in status


def test_a_backfill_that_failed_after_many_batches_resumes(
    project: Project, backend: str
) -> None:
    _add_big_table(project, check="m IS NULL OR m < 700")
    project.made.ok("upgrade")
    failing = _backfill(project, "m", batch_size=1)
    result = project.made.cli("upgrade")
    assert result.exit_code == 1, result.output
    assert "the backfill of 'big' stopped after 699 row(s)" in result.output
    assert "Data too long" not in result.output
    kept = 0 if backend == "sqlite" else 699  # SQLite runs the batches in the revision
    assert rows(project.url, "SELECT COUNT(*) FROM big WHERE m = id") == [(kept,)]
    assert project.ledger()[-1]["outcome"] == "failed"  # only batches ran: nothing to resolve

    path = next(project.versions.glob(f"{failing}_*.py"))
    path.write_text(path.read_text().replace("'m IS NULL'", "'m IS NULL AND id < 700'"))
    again = project.made.ok("upgrade")
    assert f"Backfill big: {699 - kept} row(s) to update" in again.output
    assert rows(project.url, "SELECT COUNT(*) FROM big WHERE m = id") == [(699,)]


def _wait_for_rows(project: Project, process: subprocess.Popen[str], count: int) -> None:
    deadline = time.monotonic() + 60
    while rows(project.url, "SELECT COUNT(*) FROM big WHERE m IS NOT NULL")[0][0] < count:
        assert process.poll() is None, f"process ended first:\n{process.communicate()}"
        assert time.monotonic() < deadline, "the backfill never got that far"
        time.sleep(0.05)


def test_a_killed_backfill_is_reported_and_finished(project: Project, backend: str) -> None:
    _add_big_table(project, rows_=300)
    project.made.ok("upgrade")
    killed = _backfill(project, "m", batch_size=1, pause=0.002)
    if backend == "sqlite":
        # One transaction, invisible from outside: killed once the backfill is done.
        process = project.spawn("upgrade", REMODEL_TEST_HANG=killed)
        project.wait_for(project.root / f"{killed}.hanging", process)
    else:
        process = project.spawn("upgrade")
        _wait_for_rows(project, process, 150)
    os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=30)

    status = project.made.ok("status").output
    if backend in TRANSACTIONAL:
        assert f"{killed}  interrupted" in status, status
    else:
        # The batches committed are one entry that says how far the backfill got.
        assert f"{killed}  partial" in status, status
        (line,) = [s for s in status.splitlines() if "committed: UPDATE big" in s]
        assert "ran " in line and "up to id=" in line, line
        record = _record(project, killed)
        assert record.count("UPDATE big") == 1 and len(record) < 1000
        # What stayed is harmless to run again (only rows still NULL are updated):
        # the next upgrade resumes the revision and its backfill carries on.
        resumed = project.made.ok("upgrade")
        assert (
            f"Resuming {killed}: its backfill carries on with the rows still to do"
            in resumed.output
        ), resumed.output
    project.made.ok("upgrade")
    assert rows(project.url, "SELECT COUNT(*) FROM big WHERE m = id") == [(300,)]
    assert "Needs attention" not in project.made.ok("status").output
