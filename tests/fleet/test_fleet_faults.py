"""A target that fails, a canary that fails, a fleet run killed mid-way, and --resume."""

from __future__ import annotations

import os
import signal
import subprocess

from support import execute

from .conftest import Fleet

ALL_APPLIED = [("r1", "applied"), ("r2", "applied"), ("r3", "applied")]


def _conflict(fleet: Fleet, name: str) -> None:
    """Give target *name* a table ``t_2`` of its own, which r2 then fails to create."""
    place = fleet.places[name]
    if place.schema:
        execute(place.url, f"CREATE SCHEMA {place.schema}")
    execute(place.url, f"CREATE TABLE {place.table('t_2')} (id INTEGER)")


def _states(report: dict) -> dict[str, str]:
    return {t["name"]: t["state"] for t in report["targets"]}


def test_failure_stops_the_rest_and_resume_finishes(fleet_factory) -> None:
    fleet: Fleet = fleet_factory()
    fleet.add_tables(3)
    _conflict(fleet, "gamma")

    code, report = fleet.json("upgrade", "--fleet", "--parallel", "1")

    assert code == 1
    assert _states(report) == {
        "alpha": "done", "beta": "done", "gamma": "failed", "delta": "not started",
    }
    assert report["stopped"] == "first failure" and report["ok"] is False
    gamma = report["targets"][2]
    assert "t_2" in gamma["error"] and "\n" not in gamma["error"]
    assert gamma["from"] == [] and gamma["to"] == ["r1"] and gamma["applied"] == 1
    # Each target's own records say exactly what happened to it.
    for name in ("alpha", "beta"):
        assert fleet.places[name].version() == ["r3"]
        assert fleet.places[name].ledger() == ALL_APPLIED
    assert fleet.places["gamma"].version() == ["r1"]
    assert fleet.places["gamma"].ledger() == [("r1", "applied"), ("r2", "failed")]
    assert fleet.places["gamma"].log() == {"r1": 1}
    assert "applied_log" not in fleet.places["delta"].tables()

    # Repaired by hand; --resume skips what is done and runs the rest.
    place = fleet.places["gamma"]
    execute(place.url, f"DROP TABLE {place.table('t_2')}")
    code, resumed = fleet.json("upgrade", "--fleet", "--resume", "--parallel", "1")
    assert code == 0, resumed
    assert _states(resumed) == {
        "alpha": "skipped", "beta": "skipped", "gamma": "done", "delta": "done",
    }
    for name, place in fleet.places.items():
        assert place.version() == ["r3"], name
        assert place.log() == {"r1": 1, "r2": 1, "r3": 1}, name
    assert fleet.places["gamma"].ledger()[-2:] == [("r2", "applied"), ("r3", "applied")]
    assert fleet.places["delta"].ledger() == ALL_APPLIED


def test_keep_going_runs_every_other_target(fleet_factory) -> None:
    fleet: Fleet = fleet_factory()
    fleet.add_tables(3)
    _conflict(fleet, "beta")

    done = fleet.run("upgrade", "--fleet", "--parallel", "2", "--keep-going")

    assert done.returncode == 1
    assert "failed on 1 target(s): beta" in done.stderr
    assert "--resume" in done.stderr
    rows = {line.split()[0]: line.split()[1] for line in done.stdout.splitlines()[1:-1]}
    assert rows == {"alpha": "done", "beta": "failed", "gamma": "done", "delta": "done"}
    for name in ("alpha", "gamma", "delta"):
        assert fleet.places[name].version() == ["r3"]
        assert fleet.places[name].ledger() == ALL_APPLIED
    assert fleet.places["beta"].version() == ["r1"]


def test_canary_failure_stops_everything_even_with_keep_going(fleet_factory) -> None:
    fleet: Fleet = fleet_factory()
    fleet.add_tables(3)
    _conflict(fleet, "alpha")

    code, report = fleet.json("upgrade", "--fleet", "--parallel", "3", "--keep-going")

    assert code == 1
    assert report["stopped"] == "canary failed"
    assert _states(report) == {
        "alpha": "failed", "beta": "not started", "gamma": "not started",
        "delta": "not started",
    }
    for name in ("beta", "gamma", "delta"):
        assert "applied_log" not in fleet.places[name].tables()


def test_killed_run_is_resumed(fleet_factory, backend: str) -> None:
    fleet: Fleet = fleet_factory()
    fleet.add_tables(3)
    process = fleet.spawn(
        "upgrade", "--fleet", "--parallel", "2", "--canary", "0", REMODEL_TEST_HANG="r2"
    )
    fleet.wait_for_markers("r2", 2, process)
    if backend == "postgresql":
        # Two tenants at once: each holds its own lock, its holder row in its own schema.
        from support import rows

        keys = rows(fleet.url, "SELECT classid, objid FROM pg_locks WHERE locktype = "
                    "'advisory' AND granted AND database = (SELECT oid FROM pg_database "
                    "WHERE datname = current_database())")
        assert len(set(keys)) == 2
        for name in ("alpha", "beta"):
            place = fleet.places[name]
            assert len(place.rows(f"SELECT * FROM {place.table('remodel_lock')}")) == 1
    os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL

    code, resumed = fleet.json("upgrade", "--fleet", "--resume", "--lock-wait", "30",
                               REMODEL_TEST_HANG="")
    assert code == 0, resumed
    assert _states(resumed) == {name: "done" for name in fleet.places}
    interrupted = "partial" if backend == "mariadb" else "interrupted"
    for name, place in fleet.places.items():
        assert place.version() == ["r3"], name
        assert place.log() == {"r1": 1, "r2": 1, "r3": 1}, name
        if name in ("alpha", "beta"):  # killed in r2
            assert place.ledger() == [
                ("r1", "applied"), ("r2", interrupted), ("r2", "applied"), ("r3", "applied")
            ], name
        else:
            assert place.ledger() == ALL_APPLIED, name


def test_ctrl_c_stops_the_run_and_resume_finishes(fleet_factory, backend: str) -> None:
    fleet: Fleet = fleet_factory()
    fleet.add_tables(3)
    process = fleet.spawn(
        "upgrade", "--fleet", "--parallel", "2", "--canary", "0", "--keep-going",
        "--format", "json", REMODEL_TEST_HANG="r2",
    )
    fleet.wait_for_markers("r2", 2, process)
    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C reaches the command and its workers
    try:
        out, err = process.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # no process outlives the test
        process.communicate()
        raise AssertionError("the fleet run went on for 2 minutes after Ctrl-C") from None

    assert process.returncode == 1, err
    import json

    report = json.loads(out)
    assert report["stopped"] == "interrupted"
    assert _states(report) == {
        "alpha": "failed", "beta": "failed", "gamma": "not started", "delta": "not started",
    }
    assert report["targets"][0]["error"] == "interrupted (Ctrl-C)"
    for name in ("alpha", "beta"):
        assert fleet.places[name].version() == ["r1"]
    for name in ("gamma", "delta"):
        assert "applied_log" not in fleet.places[name].tables()

    code, resumed = fleet.json("upgrade", "--fleet", "--resume", "--lock-wait", "30")
    assert code == 0, resumed
    for name, place in fleet.places.items():
        assert place.version() == ["r3"], name
        assert place.log() == {"r1": 1, "r2": 1, "r3": 1}, name
