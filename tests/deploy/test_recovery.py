"""A killed upgrade, a failing revision, and what status, upgrade and resolve do next."""

from __future__ import annotations

import os
import signal

from support import table_names

from .conftest import Project

TRANSACTIONAL = ("sqlite", "postgresql")


def _kill_in_r2(project: Project) -> None:
    process = project.spawn("upgrade", REMODEL_TEST_HANG="r2")
    project.wait_for(project.root / "r2.hanging", process)
    os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL


def test_killed_mid_revision(project: Project, backend: str) -> None:
    project.add_tables(3, sleep=0)
    _kill_in_r2(project)

    # r1 is in; of r2 only the DDL MariaDB committed by itself (its INSERT was rolled back).
    assert project.log() == {"r1": 1}
    assert ("t_2" in table_names(project.url)) == (backend not in TRANSACTIONAL)
    status = project.made.ok("status").output
    assert "Database at: r1" in status
    expected = "interrupted" if backend in TRANSACTIONAL else "partial"
    assert f"r2  {expected}" in status, status
    assert "Deploy lock: held" not in status  # the dead process's lock went with it

    result = project.made.cli("upgrade")
    if backend in TRANSACTIONAL:
        assert result.exit_code == 0, result.output
    else:
        # Part of r2 was committed, and the ledger lists it: upgrade resumes r2
        # after it instead of running it from the top (its CREATE TABLE would fail).
        assert result.exit_code == 0, result.output
        assert "Resuming r2: 1 statement(s) it committed before are skipped" in result.output
    assert project.log() == {"r1": 1, "r2": 1, "r3": 1}
    outcomes = [(e["revision"], e["outcome"]) for e in project.ledger()]
    assert outcomes[0] == ("r1", "applied")
    assert outcomes[1] == ("r2", expected)
    assert outcomes[-2:] == [("r2", "applied"), ("r3", "applied")]
    assert "Needs attention" not in project.made.ok("status").output


def test_failing_revision(project: Project, backend: str) -> None:
    project.add_tables(1, sleep=0)
    project.add(
        "op.create_table('half', sa.Column('id', sa.Integer, primary_key=True))\n"
        "op.execute('SELECT * FROM no_such_table')", sleep=0,
    )
    result = project.made.cli("upgrade")
    assert result.exit_code == 1
    assert project.log() == {"r1": 1}
    failed = project.ledger()[-1]
    assert failed["revision"] == "r2"
    assert "no_such_table" in failed["failed_operation"]
    status = project.made.ok("status").output
    if backend in TRANSACTIONAL:
        assert failed["outcome"] == "failed" and not failed["executed"]
        assert "half" not in table_names(project.url)
        # Nothing of r2 was kept, so running it again is safe (and fails the same way).
        assert project.made.cli("upgrade").exit_code == 1
    else:
        assert failed["outcome"] == "partial"
        assert "CREATE TABLE half" in failed["executed"]
        assert "committed: CREATE TABLE half" in status
        # Resumed after its CREATE TABLE, it fails the same way and says the same.
        again = project.made.cli("upgrade")
        assert again.exit_code == 1 and "Resuming r2" in again.output, again.output
        assert project.ledger()[-1] == failed
    assert "r2  " + failed["outcome"] in status


def test_resolve_applied_after_finishing_by_hand(project: Project, backend: str) -> None:
    project.add_tables(1, sleep=0)
    project.add("op.execute('SELECT * FROM no_such_table')", sleep=0)
    assert project.made.cli("upgrade").exit_code == 1
    project.made.ok("resolve", "r2", "--applied")
    assert "Database at: r2" in project.made.ok("status").output
    nothing = project.made.cli("resolve", "r1", "--applied")
    assert nothing.exit_code == 5 and "nothing to resolve" in nothing.output
    missing_flag = project.made.cli("resolve", "r2")
    assert missing_flag.exit_code == 2


def test_failing_revision_that_only_changed_rows(project: Project, backend: str) -> None:
    """Its data change was rolled back with it, on MariaDB too: ``failed``, not ``partial``."""
    project.add_tables(1, sleep=0)
    project.add(
        "op.execute('UPDATE t_1 SET id = id + 1')\nop.execute('SELECT * FROM no_such_table')",
        sleep=0,
    )
    assert project.made.cli("upgrade").exit_code == 1
    failed = project.ledger()[-1]
    assert (failed["revision"], failed["outcome"], failed["executed"]) == ("r2", "failed", None)
    assert project.made.cli("upgrade").exit_code == 1  # not refused: it runs (and fails) again
