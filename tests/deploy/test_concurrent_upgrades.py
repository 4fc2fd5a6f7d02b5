"""Many instances running ``flask db upgrade`` at once, as containers do at start-up."""

from __future__ import annotations

import json
import subprocess
import time

from flask_remodel.deploy.locks import Holder
from flask_remodel.deploy.locks import deploy_lock
from support import execute

from .conftest import Project

INSTANCES = 8


def _wait_until_waiting(process: subprocess.Popen[str]) -> str:
    assert process.stderr is not None
    seen = ""
    for line in process.stderr:
        seen += line
        if "Waiting for the deploy lock" in line:
            return seen
    raise AssertionError(f"never waited: {seen}")


def test_eight_processes_apply_each_revision_once(project: Project, backend: str) -> None:
    """All eight start while the lock is taken (so all of them really contend), then race."""
    project.add_tables(5)
    with project.made.app.app_context():
        engine = project.made.db.engine
    started = time.monotonic()
    with deploy_lock(engine, Holder("upgrade", "head", pid=1), wait=0):
        processes = [project.spawn("upgrade") for _ in range(INSTANCES)]
        early = [_wait_until_waiting(p) for p in processes]
        released = time.monotonic()
    outputs = [p.communicate(timeout=240) for p in processes]
    finished = time.monotonic()
    codes = [p.returncode for p in processes]
    assert codes == [0] * INSTANCES, outputs
    assert all("held by pid 1 on" in text for text in early)
    assert project.log() == {rev: 1 for rev in project.revisions}
    ledger = project.ledger()
    assert [(e["revision"], e["direction"], e["outcome"]) for e in ledger] == [
        (rev, "upgrade", "applied") for rev in project.revisions
    ]
    assert all(e["checksum"] and len(e["checksum"]) == 64 for e in ledger)
    applied_lines = sum(out.count(" applied r") for out, _ in outputs)
    assert applied_lines == len(project.revisions)
    assert sum("Nothing to do" in out for out, _ in outputs) == INSTANCES - 1
    print(f"\n[{backend}] {INSTANCES} processes, {len(project.revisions)} revisions of 0.2 s: "
          f"{finished - started:.2f} s from start, {finished - released:.2f} s from the "
          f"release of the lock; exit codes {codes}")


def test_eight_processes_started_together(project: Project) -> None:
    """No lock held by the test: however the starts interleave, each revision runs once."""
    project.add_tables(5)
    processes = [project.spawn("upgrade") for _ in range(INSTANCES)]
    outputs = [p.communicate(timeout=240) for p in processes]
    assert [p.returncode for p in processes] == [0] * INSTANCES, outputs
    assert project.log() == {rev: 1 for rev in project.revisions}
    assert [e["outcome"] for e in project.ledger()] == ["applied"] * len(project.revisions)


def test_at_head_returns_without_the_lock(project: Project) -> None:
    project.add_tables(1)
    project.made.ok("upgrade")
    with project.made.app.app_context():
        engine = project.made.db.engine
    with deploy_lock(engine, Holder("upgrade", "head"), wait=0):
        # Someone else holds the lock; an instance already at head does not wait for it.
        result = project.made.cli("upgrade", "--lock-wait", "0")
    assert result.exit_code == 0, result.output
    assert "Nothing to do" in result.output


def test_gives_up_after_the_wait_naming_the_holder(project: Project) -> None:
    project.add_tables(1)
    with project.made.app.app_context():
        engine = project.made.db.engine
    holder = Holder("upgrade", "head", host="build-7", pid=4242)
    with deploy_lock(engine, holder, wait=0):
        result = project.made.cli("upgrade", "--lock-wait", "0.5")
    assert result.exit_code == 7, result.output
    error = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(error) == 1
    assert "pid 4242 on build-7" in error[0] and "--lock-wait" in error[0]
    # Nothing ran.
    assert project.made.cli("status").output.count("Pending (1)") == 1


def test_bad_lock_wait_setting_is_one_clear_error(project: Project) -> None:
    project.add_tables(1, sleep=0)
    result = project.made.cli("upgrade", env={"REMODEL_LOCK_WAIT": "soon"})
    assert result.exit_code == 3
    assert result.output.strip().splitlines()[-1] == (
        "Error: REMODEL_LOCK_WAIT = 'soon' (from the environment) is not a number of "
        "seconds, 0 or more: set the environment variable REMODEL_LOCK_WAIT to e.g. 120, "
        "or unset it for the default (600)."
    )
    assert project.made.cli("status").output.count("Pending (1)") == 1


def test_a_waiter_leaves_once_the_work_is_done(project: Project) -> None:
    """Waiters do not take the lock in turn just to find nothing to do."""
    project.add_tables(1, sleep=0)
    with project.made.app.app_context():
        engine = project.made.db.engine
    with deploy_lock(engine, Holder("upgrade", "head", pid=1), wait=0):
        process = project.spawn("upgrade", "--format", "json")
        assert process.stdout is not None
        first = json.loads(process.stdout.readline())
        assert first["event"] == "waiting" and "held by pid 1 on" in first["detail"]
        # Another instance finishes the work (here: by hand) while the lock is still held.
        execute(project.url, "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        execute(project.url, "INSERT INTO alembic_version VALUES ('r1')")
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    done = json.loads(out.strip().splitlines()[-1])
    assert done == {"event": "done", "steps": 0, "locked": False, "waited": 0.0,
                    "backup": None, "held_back": []}
