"""validate, adoption by existing databases, plan, phases, JSON progress, autogenerate."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from support import add_table
from support import execute
from support import rows
from support.apps import AppFactory

from .conftest import Project


def test_validate_finds_an_edited_applied_file(project: Project) -> None:
    project.add_tables(2, sleep=0)
    project.made.ok("upgrade")
    assert "matches its file" in project.made.ok("validate").output
    path = project.versions / "r1_step.py"
    path.write_text(path.read_text() + "\n# tweaked after deploy\n")
    result = project.made.cli("validate")
    assert result.exit_code == 8
    errors = [line for line in result.output.splitlines() if line.strip()]
    assert len(errors) == 1 and errors[0].startswith("Error: revision r1 was edited")
    assert "EDITED since applied" in project.made.ok("status").output
    # An intended edit is accepted explicitly, and recorded.
    project.made.ok("resolve", "r1", "--applied")
    project.made.ok("validate")


def test_existing_database_adopts_the_ledger(project: Project) -> None:
    project.add_tables(2, sleep=0)
    project.made.ok("upgrade", "r1")
    execute(project.url, "DROP TABLE remodel_ledger")  # as if upgraded by Flask-Migrate
    project.made.ok("upgrade")
    assert [(e["revision"], e["outcome"]) for e in project.ledger()] == [
        ("r1", "adopted"), ("r2", "applied"),
    ]


def test_plan_changes_nothing(project: Project, backend: str) -> None:
    project.add_tables(1, sleep=0)
    project.add("op.drop_table('t_2')", down_body="raise NotImplementedError", sleep=0)
    project.made.ok("upgrade", "r1")
    result = project.made.ok("upgrade", "--plan")
    text = result.output
    assert "1 revision(s) would upgrade; nothing was changed." in text
    assert "op.drop_table('t_2')" in text
    assert "cannot be rolled back" in text
    assert "DROP TABLE t_2" in text
    assert rows(project.url, "SELECT version_num FROM alembic_version") == [("r1",)]
    back = project.made.ok("downgrade", "--plan", "--format", "json").stdout.splitlines()
    planned = json.loads(back[-1])
    assert planned["revision"] == "r1" and planned["direction"] == "downgrade"
    assert "DROP TABLE t_1" in planned["sql"]  # r1's downgrade, rendered offline
    assert rows(project.url, "SELECT version_num FROM alembic_version") == [("r1",)]


def test_plan_shows_the_linters_findings(project: Project) -> None:
    project.add_tables(1, sleep=0)
    project.add("op.drop_table('t_1')", down_body="raise NotImplementedError", sleep=0)
    project.made.ok("upgrade", "r1")
    project.made.app.config["REMODEL_LINT"] = "warn"
    text = project.made.ok("upgrade", "--plan").stdout
    linter = text[text.index("  Linter:"):].splitlines()[1:]
    assert any("r2_step.py:" in line and "t_1" in line for line in linter), text
    planned = json.loads(
        project.made.ok("upgrade", "--plan", "--format", "json").stdout.splitlines()[-1]
    )
    assert planned["revision"] == "r2"
    assert planned["findings"] == [line.strip() for line in linter if line.strip()]
    project.made.app.config["REMODEL_LINT"] = "off"
    assert "Linter:" not in project.made.ok("upgrade", "--plan").output
    assert rows(project.url, "SELECT version_num FROM alembic_version") == [("r1",)]


def test_phases(project: Project) -> None:
    project.add_tables(1, sleep=0)
    project.add("op.drop_table('t_1')", phase="post", sleep=0)
    project.add_tables(1, sleep=0)
    pre = project.made.ok("upgrade", "--phase", "pre")
    assert "Held back for after the deploy (post-deploy): r2, r3" in pre.output
    assert project.log() == {"r1": 1}
    assert "r2  [post]" in project.made.ok("status").output
    project.made.ok("upgrade", "--phase", "post")
    assert project.log() == {"r1": 1, "r2": 1, "r3": 1}


def test_bad_phase_is_one_clear_error(project: Project) -> None:
    project.add_tables(1, sleep=0)
    path = project.versions / "r1_step.py"
    path.write_text(path.read_text().replace("down_revision =", "remodel_phase = 'later'\n"
                                                               "down_revision ="))
    result = project.made.cli("upgrade", "--phase", "pre")
    assert result.exit_code == 3
    assert "r1_step.py: remodel_phase must be one of 'pre', 'post'" in result.output
    assert "alembic_version" not in [r[0] for r in rows(project.url, _TABLES[project.url[:5]])]


_TABLES = {
    "sqlit": "SELECT name FROM sqlite_master WHERE type = 'table'",
    "postg": "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
    "mysql": "SHOW TABLES",
}


def test_json_progress(project: Project) -> None:
    project.add_tables(2, sleep=0)
    result = project.made.ok("upgrade", "--format", "json")
    events = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    applied = [e for e in events if e["event"] == "applied"]
    assert [(e["revision"], e["index"], e["total"]) for e in applied] == [
        ("r1", 1, 2), ("r2", 2, 2),
    ]
    assert all(e["seconds"] >= 0 for e in applied)
    assert events[-1]["event"] == "done" and events[-1]["steps"] == 2
    output = project.made.ok("status", "--format", "json").output  # stderr mixed in here
    status = json.loads(next(line for line in output.splitlines() if line.startswith("{")))
    assert status["heads"] == ["r2"] and status["pending"] == [] and status["problems"] == []
    assert [(r["revision"], r["ledger"]["outcome"]) for r in status["applied"]] == [
        ("r1", "applied"), ("r2", "applied"),
    ]


def test_autogenerate_ignores_the_deploy_tables(project: Project, make_app: AppFactory) -> None:
    project.add_tables(1, sleep=0)
    project.made.ok("upgrade")

    def models(db: Any) -> None:
        add_table(db, "applied_log", sa.Column("id", sa.Integer, primary_key=True),
                  sa.Column("revision", sa.String(32)))
        add_table(db, "t_1", sa.Column("id", sa.Integer, primary_key=True))

    made = make_app(models, directory=project.root / "migrations")
    result = made.ok("check")  # the ledger table is not offered for dropping
    assert "No new upgrade operations detected." in result.output


def test_downgrade_and_stamp_are_recorded(project: Project) -> None:
    project.add_tables(2, sleep=0)
    project.made.ok("upgrade")
    result = project.made.ok("downgrade")
    assert "[1/1] rolled back r2 (step r2) in" in result.output
    project.made.ok("downgrade", "base")
    project.made.ok("stamp", "r2")
    assert [(e["revision"], e["direction"], e["outcome"]) for e in project.ledger()] == [
        ("r1", "upgrade", "applied"), ("r2", "upgrade", "applied"),
        ("r2", "downgrade", "rolled_back"), ("r1", "downgrade", "rolled_back"),
        ("r2", "stamp", "stamped"),  # a stamp is one step, to its target
    ]
    assert rows(project.url, "SELECT version_num FROM alembic_version") == [("r2",)]


def test_many_revisions_get_a_bar(project: Project) -> None:
    project.add_tables(10, sleep=0)
    lines = [line for line in project.made.ok("upgrade").output.splitlines() if "applied" in line]
    assert lines[0].startswith("[##------------------] 1/10 applied r1")
    assert lines[-1].startswith("[####################] 10/10 applied r10")


def test_a_row_recorded_at_once_has_its_outcome_from_the_first_write(
    tmp_path: Any, monkeypatch: Any
) -> None:
    """A stamp killed between the row's two writes must not read as a run that died."""
    from flask_remodel.deploy.ledger import STAMPED
    from flask_remodel.deploy.ledger import Ledger

    ledger = Ledger(sa.create_engine(f"sqlite:///{tmp_path / 'ledger.db'}"))
    ledger.create()

    def killed(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(ledger, "finish", killed)
    try:
        ledger.record("r1", "upgrade", STAMPED, None)
    except KeyboardInterrupt:
        pass
    assert [(e.revision, e.outcome) for e in ledger.entries()] == [("r1", STAMPED)]
