"""``flask db upgrade --fleet`` on every backend: all targets, some, status and current."""

from __future__ import annotations

from support import table_names

from .conftest import Fleet


def test_every_target_reaches_head(fleet_factory, backend: str) -> None:
    fleet: Fleet = fleet_factory()
    fleet.add_tables(3)

    code, report = fleet.json("upgrade", "--fleet", "--parallel", "2")

    assert code == 0, report
    assert report["ok"] is True and report["stopped"] is None
    assert report["parallel"] == 2
    assert [t["name"] for t in report["targets"]] == list(fleet.places)
    for target in report["targets"]:
        assert target["state"] == "done", target
        assert target["from"] == [] and target["to"] == ["r3"]
        assert target["applied"] == 3 and target["seconds"] >= 0
    for place in fleet.places.values():
        assert place.version() == ["r3"]
        assert place.log() == {"r1": 1, "r2": 1, "r3": 1}
        assert place.ledger() == [("r1", "applied"), ("r2", "applied"), ("r3", "applied")]
        assert {"t_2", "t_3", "remodel_ledger"} <= place.tables()
    # The app's own default database is not a target: nothing ran there.
    if backend != "postgresql":
        assert "alembic_version" not in table_names(fleet.url)

    # Again: every target is at head already, and says so without running anything.
    code, again = fleet.json("upgrade", "--fleet")
    assert code == 0
    assert [(t["state"], t["applied"], t["from"]) for t in again["targets"]] == [
        ("done", 0, ["r3"])
    ] * len(fleet.places)
    for place in fleet.places.values():
        assert place.log() == {"r1": 1, "r2": 1, "r3": 1}


def test_chosen_targets_and_status(fleet_factory) -> None:
    fleet: Fleet = fleet_factory()
    fleet.add_tables(2)

    code, report = fleet.json("upgrade", "--fleet", "--targets", "beta,delta")
    assert code == 0
    assert [t["name"] for t in report["targets"]] == ["beta", "delta"]

    code, status = fleet.json("status", "--fleet")
    assert code == 0
    states = {r["name"]: (r["state"], r["heads"], r["pending"]) for r in status["targets"]}
    assert states == {
        "alpha": ("pending", [], 2), "beta": ("up to date", ["r2"], 0),
        "gamma": ("pending", [], 2), "delta": ("up to date", ["r2"], 0),
    }
    code, current = fleet.json("current", "--fleet")
    assert code == 0
    assert {row["name"]: row["heads"] for row in current["targets"]} == {
        "alpha": [], "beta": ["r2"], "gamma": [], "delta": ["r2"],
    }
    text = fleet.run("status", "--fleet")
    assert text.returncode == 0
    lines = text.stdout.splitlines()
    assert lines[0].split() == ["target", "revision", "state", "pending", "problem"]
    assert any(line.split()[:3] == ["beta", "r2", "up"] for line in lines)
    assert any(line.split()[:3] == ["alpha", "base", "pending"] for line in lines)

    unknown = fleet.run("upgrade", "--fleet", "--targets", "beta,nosuch")
    assert unknown.returncode == 2
    assert "nosuch" in unknown.stderr and "REMODEL_FLEET does not declare" in unknown.stderr
    assert fleet.places["alpha"].tables() == set()  # nothing ran anywhere


def test_text_summary_table(fleet_factory) -> None:
    fleet: Fleet = fleet_factory(("alpha", "beta"))
    fleet.add_tables(1)
    done = fleet.run("upgrade", "--fleet")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["target", "outcome", "revisions", "seconds", "error"]
    assert lines[1].split()[:5] == ["alpha", "done", "base", "->", "r1"]
    assert lines[2].split()[:5] == ["beta", "done", "base", "->", "r1"]
    assert lines[-1].startswith("Fleet upgrade to head: 2 done")


def test_an_unreachable_target_fails_alone_with_its_password_masked(fleet_factory) -> None:
    from sqlalchemy.engine import make_url

    fleet: Fleet = fleet_factory(("alpha", "beta"))
    fleet.add_tables(1)
    url = make_url(fleet.url)
    missing = url.set(database="/no/such/folder/x.db") if url.get_backend_name() == "sqlite" \
        else url.set(database="remodel_no_such_database", password="s3cret-pw")
    fleet.declared["gone"] = missing.render_as_string(hide_password=False)

    done = fleet.run("upgrade", "--fleet", "--keep-going", "--canary", "0")
    assert done.returncode == 1
    assert "s3cret-pw" not in done.stdout + done.stderr
    rows = {line.split()[0]: line for line in done.stdout.splitlines()[1:-1]}
    assert rows["alpha"].split()[1] == "done" and rows["beta"].split()[1] == "done"
    assert rows["gone"].split()[1] == "failed"
    assert "connect" in rows["gone"].lower() or "database" in rows["gone"].lower()

    code, status = fleet.json("status", "--fleet")
    assert code == 0
    by_name = {row["name"]: row for row in status["targets"]}
    assert by_name["gone"]["state"] == "error" and by_name["gone"]["problem"]
    assert "s3cret-pw" not in str(status)
    assert by_name["alpha"]["state"] == "up to date"


def test_python_api_reports_progress(fleet_factory) -> None:
    import flask_remodel

    fleet: Fleet = fleet_factory(("alpha", "beta"))
    fleet.add_tables(2)
    fleet.made.app.config["REMODEL_FLEET"] = fleet.declared
    seen: list[dict[str, int]] = []
    with fleet.made.app.app_context():
        report = flask_remodel.fleet_upgrade(
            str(fleet.root / "migrations"), parallel=1,
            progress=lambda r: seen.append(r.counts()),
        )
    assert isinstance(report, flask_remodel.FleetReport) and report.ok
    assert [(t.name, t.state, t.to_revisions, t.applied) for t in report.targets] == [
        ("alpha", "done", ("r2",), 2), ("beta", "done", ("r2",), 2),
    ]
    # A line for each start and end: one running, then one done and one running, then two done.
    assert seen[0]["running"] == 1 and seen[0]["done"] == 0
    assert {"running": 1, "done": 1} == {k: seen[1][k] for k in ("running", "done")}
    assert seen[-1]["done"] == 2 and seen[-1]["running"] == 0


def test_live_line_on_a_terminal(fleet_factory) -> None:
    import os
    import subprocess
    import sys

    fleet: Fleet = fleet_factory(("alpha", "beta"))
    fleet.add_tables(1)
    leader, follower = os.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "flask", "db", "upgrade", "--fleet"], cwd=fleet.root,
            env=fleet.env(), stdout=subprocess.PIPE, stderr=follower, text=True, timeout=300,
        )
        os.close(follower)
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(leader)
    assert done.returncode == 0
    text = shown.decode()
    assert "\rfleet: 0/2 finished, 0 done, 1 running, 0 failed" in text
    assert "\rfleet: 2/2 finished, 2 done, 0 running, 0 failed" in text
    assert "fleet:" not in done.stdout  # the table alone on stdout
