"""Many instances running ``flask db upgrade`` at once, as containers do at start-up."""

from __future__ import annotations

import time

from .conftest import Project

INSTANCES = 8


def test_eight_processes_apply_each_revision_once(project: Project, backend: str) -> None:
    project.add_tables(5)
    started = time.monotonic()
    processes = [project.spawn("upgrade") for _ in range(INSTANCES)]
    outputs = [p.communicate(timeout=240) for p in processes]
    elapsed = time.monotonic() - started
    codes = [p.returncode for p in processes]
    assert codes == [0] * INSTANCES, outputs
    assert project.log() == {rev: 1 for rev in project.revisions}
    ledger = project.ledger()
    assert [(e["revision"], e["direction"], e["outcome"]) for e in ledger] == [
        (rev, "upgrade", "applied") for rev in project.revisions
    ]
    assert all(e["checksum"] and len(e["checksum"]) == 64 for e in ledger)
    # The others waited for the lock, and said for whom.
    assert any("Waiting for the deploy lock, held by pid" in err for _, err in outputs), outputs
    applied_lines = sum(out.count(" applied r") for out, _ in outputs)
    assert applied_lines == len(project.revisions)
    print(f"\n[{backend}] {INSTANCES} processes, {len(project.revisions)} revisions of 0.2 s: "
          f"{elapsed:.2f} s, exit codes {codes}")


def test_at_head_returns_without_the_lock(project: Project) -> None:
    from flask_remodel.deploy.locks import Holder
    from flask_remodel.deploy.locks import deploy_lock

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
    from flask_remodel.deploy.locks import Holder
    from flask_remodel.deploy.locks import deploy_lock

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
