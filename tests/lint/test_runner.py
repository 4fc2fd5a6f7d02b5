"""Which runner a migrations folder's revisions meet, read from its env.py and the settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from flask_remodel.api._runner import runs_remodel_environment
from flask_remodel.api._runner import upgrade_runner
from flask_remodel.lint.runner import LOCK_TIMEOUT
from flask_remodel.lint.runner import RESUMES_PARTIAL
from flask_remodel.lint.runner import STATEMENT_TIMEOUT
from flask_remodel.settings import RemodelSettings

TEMPLATES = Path(__file__).parents[2] / "src" / "flask_remodel" / "templates"


@pytest.mark.parametrize("template", ["flask", "flask-multidb"])
def test_the_env_py_init_writes_runs_the_environment(template: str) -> None:
    assert runs_remodel_environment(TEMPLATES / template)


@pytest.mark.parametrize(
    "text",
    [
        "from alembic import context\ncontext.configure(url='x')\ncontext.run_migrations()\n",
        # imported but never called: the file runs migrations some other way
        "from flask_remodel.environment import run_migrations\nfrom alembic import context\n"
        "context.run_migrations()\n",
        "def broken(:\n",
    ],
)
def test_other_env_py_files_do_not(tmp_path: Path, text: str) -> None:
    (tmp_path / "env.py").write_text(text)
    assert not runs_remodel_environment(tmp_path)
    assert not runs_remodel_environment(tmp_path / "missing")


def test_module_call_counts_too(tmp_path: Path) -> None:
    (tmp_path / "env.py").write_text(
        "import flask_remodel.environment\nflask_remodel.environment.run_migrations()\n"
    )
    assert runs_remodel_environment(tmp_path)


def test_runner_sets_what_the_settings_switch_on() -> None:
    thin = TEMPLATES / "flask"
    assert upgrade_runner(thin, RemodelSettings()).sets == {LOCK_TIMEOUT, RESUMES_PARTIAL}
    both = RemodelSettings(statement_timeout=1000)
    assert upgrade_runner(thin, both).sets == {LOCK_TIMEOUT, STATEMENT_TIMEOUT, RESUMES_PARTIAL}
    assert upgrade_runner(thin, RemodelSettings(lock_timeout=0)).sets == {RESUMES_PARTIAL}
    # The --sql script starts with the same SET statements, and another tool runs it:
    # nothing resumes a revision it left half-applied.
    assert upgrade_runner(thin, both, sql=True).sets == {LOCK_TIMEOUT, STATEMENT_TIMEOUT}
    assert upgrade_runner(thin, RemodelSettings(), sql=True).sets == {LOCK_TIMEOUT}


def test_an_env_py_of_its_own_promises_no_resume(tmp_path: Path) -> None:
    (tmp_path / "env.py").write_text(
        "from alembic import context\ncontext.configure(url='x')\ncontext.run_migrations()\n"
    )
    assert not upgrade_runner(tmp_path, RemodelSettings()).provides(RESUMES_PARTIAL)
