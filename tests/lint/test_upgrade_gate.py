"""The lint gate of ``upgrade`` holds for the Python API as for ``flask db upgrade``.

``REMODEL_LINT = "error"`` (or ``strict=True``) stops ``flask_remodel.upgrade()``
before anything runs when a pending revision has an error-level finding.
"""

from __future__ import annotations

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
    with pytest.raises(LintFindingsError, match="stopped the upgrade before anything ran"):
        _upgrade(made)
    assert "legacy" in _columns(made)  # nothing ran
    made.app.config["REMODEL_LINT"] = "warn"
    with pytest.raises(LintFindingsError):
        _upgrade(made, strict=True)
    assert "legacy" in _columns(made)
    run = _upgrade(made)  # a warning only: the API prints nothing, and runs
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
