"""The lint gate of ``upgrade`` holds for the Python API as for ``flask db upgrade``.

``REMODEL_LINT = "error"`` (or ``strict=True``) stops ``flask_remodel.upgrade()``
when a pending revision has an error-level finding: before anything runs when
a lint run recorded the finding, else before the operation runs. Either way
each revision's ``upgrade()`` runs once.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

import flask_remodel
from flask_remodel.lint import LintFindingsError
from support.apps import AppFactory
from support.apps import MadeApp

from .conftest import write_revisions

SETUP = """
op.create_table("account", sa.Column("id", sa.Integer(), primary_key=True),
                sa.Column("legacy", sa.String(10)))
"""
UNSAFE = 'op.drop_column("account", "legacy")'  # RM201, an error


def _columns(made: MadeApp) -> set[str]:
    return {c["name"] for c in sa.inspect(made.engines()[None]).get_columns("account")}


def _upgrade(
    made: MadeApp, revision: str = "head", sql: bool = False, strict: bool = False
) -> flask_remodel.MigrationRun:
    with made.app.app_context():
        return flask_remodel.upgrade(revision=revision, sql=sql, strict=strict)


def test_remodel_lint_error_stops_the_api_upgrade(make_app: AppFactory, backend: str) -> None:
    made = make_app()
    made.ok("init")
    write_revisions(made.migrations_dir, SETUP, UNSAFE)
    _upgrade(made, revision="r0")
    made.app.config["REMODEL_LINT"] = "error"
    with pytest.raises(LintFindingsError, match="stopped the upgrade in revision r1 .line 10. "
                       "before that operation ran"):
        _upgrade(made)  # no lint recorded r1: checked as the run reaches the drop
    assert "legacy" in _columns(made)
    made.cli("lint")  # records r1's findings (and exits 1 for the error)
    with pytest.raises(LintFindingsError, match="stopped the upgrade before anything ran"):
        _upgrade(made)
    assert "legacy" in _columns(made)
    made.app.config["REMODEL_LINT"] = "warn"
    with pytest.raises(LintFindingsError):
        _upgrade(made, strict=True)
    assert "legacy" in _columns(made)
    run = _upgrade(made)  # an error that stops nothing: the API prints nothing, and runs
    assert [step.revision for step in run.steps] == ["r1"]
    assert "legacy" not in _columns(made)


@pytest.mark.backends("sqlite")
def test_the_gate_passes_clean_revisions_and_sql(make_app: AppFactory, backend: str) -> None:
    made = make_app(config={"REMODEL_LINT": "error"})
    made.ok("init")
    write_revisions(made.migrations_dir, SETUP, UNSAFE)
    assert "DROP COLUMN" in (_upgrade(made, sql=True).sql or "").upper()  # --sql: no lint
    _upgrade(made, revision="r0")
    made.app.config["REMODEL_LINT"] = "off"
    _upgrade(made, strict=False)
    assert "legacy" not in _columns(made)


COUNTING = """
with open({path!r}, "a") as f:
    f.write("{rev} ran\\n")
"""


def _counting(path: Path, rev: str, then: str = "") -> str:
    return COUNTING.format(path=str(path), rev=rev) + then


def test_upgrade_runs_each_revision_once(
    make_app: AppFactory, backend: str, tmp_path: Path
) -> None:
    ran = tmp_path / "ran.txt"
    made = make_app()
    made.ok("init")
    write_revisions(
        made.migrations_dir, _counting(ran, "r0", SETUP), _counting(ran, "r1", UNSAFE),
        _counting(ran, "r2", 'op.add_column("account", sa.Column("note", sa.Text()))'),
    )
    made.ok("upgrade", "r0")  # a fresh database: nothing to lint
    assert ran.read_text().splitlines() == ["r0 ran"]
    result = made.ok("upgrade")  # the gate checks r1 and r2 as they run, and warns
    assert ran.read_text().splitlines() == ["r0 ran", "r1 ran", "r2 ran"]
    assert "RM201" in result.output  # the drop's finding was still shown
    assert "legacy" not in _columns(made)


@pytest.mark.backends("sqlite")
def test_recorded_findings_are_used_only_for_the_file_they_were_found_in(
    make_app: AppFactory, backend: str, tmp_path: Path
) -> None:
    ran = tmp_path / "ran.txt"
    made = make_app(config={"REMODEL_LINT": "error"})
    made.ok("init")
    write_revisions(made.migrations_dir, SETUP, _counting(ran, "r1", UNSAFE))
    made.ok("upgrade", "r0")
    made.cli("lint")  # runs r1 offline once, and records its findings
    assert ran.read_text().splitlines() == ["r1 ran"]
    result = made.cli("upgrade")
    assert result.exit_code != 0
    assert "stopped the upgrade before anything ran" in result.output
    assert ran.read_text().splitlines() == ["r1 ran"]  # not run again to be linted
    # Acknowledged in the file: another checksum, so the record no longer applies.
    revision = made.migrations_dir / "versions" / "r1_step.py"
    revision.write_text(revision.read_text().replace(
        UNSAFE, UNSAFE + "  # remodel: allow[RM201] the column is unused"
    ))
    made.ok("upgrade")
    assert ran.read_text().splitlines() == ["r1 ran", "r1 ran"]
    assert "legacy" not in _columns(made)
