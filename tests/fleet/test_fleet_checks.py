"""``validate --fleet``, ``upgrade --plan --fleet`` and ``test --fleet`` on every backend."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from .conftest import Fleet


def _spread(fleet: Fleet) -> None:
    """alpha at r1, beta at r3 (head), gamma never upgraded."""
    fleet.add_tables(3)
    assert fleet.run("upgrade", "--fleet", "--targets", "alpha", "r1").returncode == 0
    assert fleet.run("upgrade", "--fleet", "--targets", "beta").returncode == 0


def _gone_url(fleet: Fleet) -> str:
    url = make_url(fleet.url)
    missing = url.set(database="/no/such/folder/x.db") if url.get_backend_name() == "sqlite" \
        else url.set(database="remodel_no_such_database", password="s3cret-pw")
    return missing.render_as_string(hide_password=False)


def test_validate_names_each_target_with_edited_files(fleet_factory) -> None:
    fleet: Fleet = fleet_factory(("alpha", "beta", "gamma"))
    _spread(fleet)
    r2 = fleet.versions / "r2_step.py"
    original = r2.read_text()
    r2.write_text(original + "\n# edited after it ran\n")

    code, report = fleet.json("validate", "--fleet")
    assert code == 8  # as 'flask db validate' for one database
    assert report["ok"] is False
    by_name = {row["name"]: row for row in report["targets"]}
    assert list(by_name) == ["alpha", "beta", "gamma"]
    assert by_name["alpha"]["ok"] and by_name["alpha"]["problems"] == []  # r2 never ran there
    assert by_name["gamma"]["ok"] and by_name["gamma"]["problems"] == []
    assert not by_name["beta"]["ok"]
    assert len(by_name["beta"]["problems"]) == 1 and "r2" in by_name["beta"]["problems"][0]

    text = fleet.run("validate", "--fleet")
    assert text.returncode == 8
    lines = text.stdout.splitlines()
    assert lines[0].split() == ["target", "result", "problem"]
    assert [line.split()[:2] for line in lines[1:4]] == [
        ["alpha", "ok"], ["beta", "edited"], ["gamma", "ok"],
    ]
    assert lines[-1] == "Fleet validate: 2 ok, 1 with edited or missing files, 0 unreadable."
    assert "beta" in text.stderr and "validate --fleet" in text.stderr

    # --targets: only those; alpha alone is fine.
    assert fleet.run("validate", "--fleet", "--targets", "alpha,gamma").returncode == 0

    r2.write_text(original)
    fleet.declared["gone"] = _gone_url(fleet)
    code, report = fleet.json("validate", "--fleet")
    assert code == 1  # nothing edited, but one target could not be read
    gone = report["targets"][-1]
    assert gone["name"] == "gone" and gone["error"] and not gone["ok"]
    assert all(row["ok"] for row in report["targets"][:3])
    assert "s3cret-pw" not in str(report)


def test_validate_fleet_bad_input(fleet_factory) -> None:
    fleet: Fleet = fleet_factory(("alpha", "beta"))
    fleet.add_tables(1)
    unknown = fleet.run("validate", "--fleet", "--targets", "alpha,nosuch")
    assert unknown.returncode == 2
    assert "nosuch" in unknown.stderr and "REMODEL_FLEET does not declare" in unknown.stderr
    single = fleet.run("validate", "--targets", "alpha")
    assert single.returncode == 2 and "only go with --fleet" in single.stderr


def test_plan_shows_each_targets_pending_revisions_and_changes_nothing(
    fleet_factory, backend: str
) -> None:
    fleet: Fleet = fleet_factory(("alpha", "beta", "gamma"))
    _spread(fleet)

    code, report = fleet.json("upgrade", "--plan", "--fleet")
    assert code == 0, report
    assert report["revision"] == "head"
    found = {
        row["name"]: (row["heads"], [p["revision"] for p in row["revisions"]], row["error"])
        for row in report["targets"]
    }
    assert found == {
        "alpha": (["r1"], ["r2", "r3"], None),
        "beta": (["r3"], [], None),
        "gamma": ([], ["r1", "r2", "r3"], None),
    }
    first = report["targets"][0]["revisions"][0]
    assert first["direction"] == "upgrade" and any("t_2" in op for op in first["operations"])

    # Nothing ran: alpha is still at r1, gamma has no tables (on PostgreSQL not even its schema).
    assert fleet.places["alpha"].version() == ["r1"]
    assert fleet.places["alpha"].log() == {"r1": 1}
    assert fleet.places["gamma"].tables() == set()
    if backend == "postgresql":
        engine = sa.create_engine(fleet.url)
        try:
            with engine.connect() as connection:
                found = connection.execute(
                    sa.text("SELECT 1 FROM pg_namespace WHERE nspname = 'tenant_gamma'")
                ).first()
                assert found is None
        finally:
            engine.dispose()

    code, chosen = fleet.json("upgrade", "--plan", "--fleet", "--targets", "gamma,alpha", "r2")
    assert code == 0
    assert [(row["name"], [p["revision"] for p in row["revisions"]])
            for row in chosen["targets"]] == [("alpha", ["r2"]), ("gamma", ["r1", "r2"])]

    text = fleet.run("upgrade", "--plan", "--fleet")
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0].split() == ["target", "revision", "to", "run", "revisions", "error"]
    assert lines[1].split() == ["alpha", "r1", "2", "r2", "r3"]
    assert lines[2].split() == ["beta", "r3", "0"]
    assert lines[3].split() == ["gamma", "base", "3", "r1", "r2", "r3"]
    assert lines[-1] == (
        "Fleet plan to head: 5 revision(s) to run on 2 target(s), 1 at head already. "
        "Nothing was changed."
    )


def test_plan_fleet_bad_input_runs_nothing(fleet_factory) -> None:
    fleet: Fleet = fleet_factory(("alpha", "beta"))
    fleet.add_tables(2)
    for args, says, exit_code in (
        (("--targets", "alpha,nosuch"), "REMODEL_FLEET does not declare", 2),
        (("--parallel", "2"), "does not take --parallel", 2),
        (("--canary", "0"), "does not take --canary", 2),
        (("--resume",), "does not take --resume", 2),
        (("--sql",), "does not take --sql", 2),
        (("+1",), "a revision every target ends at", 2),
        (("nosuchrev",), "Unknown revision 'nosuchrev'", 5),  # as for one database
    ):
        done = fleet.run("upgrade", "--plan", "--fleet", *args)
        assert done.returncode == exit_code, (args, done.stdout, done.stderr)
        assert says in done.stderr, (args, done.stderr)
        errors = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
        assert len(errors) == 1 and "Traceback" not in done.stderr, done.stderr
    # Set in the environment (a deploy script's settings for the run), they are left alone.
    planned = fleet.run("upgrade", "--plan", "--fleet", FLASK_DB_UPGRADE_PARALLEL="1")
    assert planned.returncode == 0, planned.stderr
    assert planned.stdout.splitlines()[-1].startswith("Fleet plan to head: 4 revision(s)")
    for place in fleet.places.values():
        assert place.tables() == set()
    # ... and the run that follows takes it.
    code, report = fleet.json("upgrade", "--fleet", FLASK_DB_UPGRADE_PARALLEL="1")
    assert code == 0 and report["parallel"] == 1


REVERSIBLE = '''"""{rev}"""
import pytest
import sqlalchemy as sa
from alembic import op

revision = {rev!r}
down_revision = {down!r}


def upgrade():
    op.create_table({table!r}, sa.Column("id", sa.Integer, primary_key=True))


def downgrade():
    {downgrade}
'''


MODELS = """

class One(db.Model):
    __tablename__ = "t_one"
    id = db.Column(db.Integer, primary_key=True)


class Two(db.Model):
    __tablename__ = "t_two"
    id = db.Column(db.Integer, primary_key=True)
"""


def _history(fleet: Fleet, broken_downgrade: bool) -> None:
    """Two revisions whose tables the app's models declare (the models check passes)."""
    app = fleet.root / "app.py"
    if "class One" not in app.read_text():
        app.write_text(app.read_text() + MODELS)
    for old in fleet.versions.glob("*.py"):
        old.unlink()
    fleet.versions.joinpath("a1_one.py").write_text(REVERSIBLE.format(
        rev="a1", down=None, table="t_one", downgrade='op.drop_table("t_one")'))
    fleet.versions.joinpath("a2_two.py").write_text(REVERSIBLE.format(
        rev="a2", down="a1", table="t_two",
        downgrade="pass" if broken_downgrade else 'op.drop_table("t_two")'))


def test_test_runs_once_per_server_and_touches_no_target(
    fleet_factory, backend: str, tmp_path: Path
) -> None:
    fleet: Fleet = fleet_factory(("alpha", "beta"))
    # A target on another kind of server: a SQLite file in a fleet of server databases.
    fleet.declared["local"] = f"sqlite:///{tmp_path / 'local.db'}"
    _history(fleet, broken_downgrade=False)

    code, report = fleet.json("test", "--fleet")
    assert code == 0, report
    assert report["ok"] is True
    servers = report["servers"]
    if backend == "sqlite":
        assert [s["targets"] for s in servers] == [["alpha", "beta", "local"]]
    else:
        assert [s["targets"] for s in servers] == [["alpha", "beta"], ["local"]]
        assert servers[0]["where"].startswith(backend if backend == "postgresql" else "mysql")
        assert servers[1]["where"] == "sqlite://"
    for server in servers:
        assert server["passed"] > 0 and server["failed"] == 0 and server["error"] is None
    assert {t["name"]: t["ok"] for t in report["targets"]} == {
        "alpha": True, "beta": True, "local": True,
    }
    for place in fleet.places.values():
        assert place.tables() == set()  # the tests ran on scratch databases
    local = tmp_path / "local.db"
    assert not local.exists() or local.stat().st_size == 0  # not even created

    _history(fleet, broken_downgrade=True)
    done = fleet.run("test", "--fleet", "--targets", "alpha,local")
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[0].split()[:2] == ["server", "targets"]
    assert any("FAILED" in line and "a2" in line for line in lines)
    assert lines[-1].startswith(f"Fleet test: {1 if backend == 'sqlite' else 2} server(s) for 2")
    assert "migration tests failed" in done.stderr


def test_test_fleet_bad_input(fleet_factory) -> None:
    fleet: Fleet = fleet_factory(("alpha",))
    with_url = fleet.run("test", "--fleet", "--url", fleet.url)
    assert with_url.returncode == 2 and "does not take --url" in with_url.stderr
    unknown = fleet.run("test", "--fleet", "--targets", "nosuch")
    assert unknown.returncode == 2 and "REMODEL_FLEET does not declare" in unknown.stderr


def test_python_api_returns_rows(fleet_factory) -> None:
    import flask_remodel
    from flask_remodel.deploy import PlannedRevision

    fleet: Fleet = fleet_factory(("alpha", "beta", "gamma"))
    _spread(fleet)
    app = fleet.made.app
    app.config["REMODEL_FLEET"] = fleet.declared
    folder = str(fleet.root / "migrations")
    with app.app_context():
        plans = flask_remodel.fleet_plan(folder, targets=["alpha", "gamma"])
        checked = flask_remodel.fleet_validate(folder)
    assert [(p.name, p.heads, [r.revision for r in p.revisions]) for p in plans] == [
        ("alpha", ("r1",), ["r2", "r3"]), ("gamma", (), ["r1", "r2", "r3"]),
    ]
    assert all(isinstance(r, PlannedRevision) for p in plans for r in p.revisions)
    assert [(row.name, row.ok, row.problems) for row in checked] == [
        ("alpha", True, []), ("beta", True, []), ("gamma", True, []),
    ]


@pytest.mark.backends("postgresql", "mariadb")
def test_test_reports_a_server_it_cannot_use_and_tests_the_others(fleet_factory) -> None:
    fleet: Fleet = fleet_factory(("alpha",))
    # Same server, a user that does not exist (with a password to mask): another
    # server for the tests, whose scratch database cannot be made.
    stranger = make_url(fleet.url).set(username="remodel_nobody", password="s3cret-pw")
    fleet.declared["stranger"] = stranger.render_as_string(hide_password=False)
    _history(fleet, broken_downgrade=False)

    code, report = fleet.json("test", "--fleet")
    assert code == 1
    by_targets = {tuple(s["targets"]): s for s in report["servers"]}
    assert by_targets[("alpha",)]["ok"] is True and by_targets[("alpha",)]["passed"] > 0
    failed = by_targets[("stranger",)]
    assert failed["ok"] is False and failed["error"] and failed["passed"] == 0
    assert "remodel_nobody:***@" in failed["where"]
    assert "s3cret-pw" not in json.dumps(report)
    assert {t["name"]: t["ok"] for t in report["targets"]} == {"alpha": True, "stranger": False}
