"""An Alembic (or SQLAlchemy) that changed what the seam relies on is reported as that.

Each test takes away, or changes, one name the seam reads: the error is an
``AlembicIncompatibleError`` (a ``ConfigurationError``, exit 3) that says
which name changed and which releases to install, never the error the
surrounding code would have reported (a revision file that does not
import, an unexpected ``AttributeError``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import alembic
import pytest
import sqlalchemy as sa
from alembic.autogenerate import render
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from flask_remodel import _alembic
from flask_remodel.errors import AlembicIncompatibleError
from flask_remodel.errors import ConfigurationError
from flask_remodel.errors import RevisionImportError
from flask_remodel.errors import SQLAlchemyIncompatibleError
from flask_remodel.revisions import load_script_directory
from support.apps import MadeApp

REVISION = '''"""first"""
revision = "aaa111"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
'''


def _config(tmp_path: Path) -> Config:
    folder = tmp_path / "migrations"
    (folder / "versions").mkdir(parents=True)
    (folder / "env.py").write_text("")
    (folder / "versions" / "aaa111_first.py").write_text(REVISION)
    config = Config()
    config.set_main_option("script_location", str(folder))
    return config


def test_a_renamed_internal_is_not_reported_as_a_revision_file_that_does_not_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _config(tmp_path)
    monkeypatch.delattr(ScriptDirectory, "_version_locations")
    with pytest.raises(AlembicIncompatibleError) as caught:
        load_script_directory(config)
    error = caught.value
    assert not isinstance(error, RevisionImportError)
    assert isinstance(error, ConfigurationError) and error.exit_code == 3
    assert str(error) == (
        f"Flask-Remodel {error.message.split()[1]} does not support alembic "
        f"{alembic.__version__}: alembic.script.base.ScriptDirectory._version_locations is "
        "gone. Install a release it supports: pip install 'alembic>=1.16,<1.21'."
    )
    assert error.installed == alembic.__version__
    assert error.change == "alembic.script.base.ScriptDirectory._version_locations is gone"


def test_a_revision_file_that_raises_is_still_reported_as_such(tmp_path: Path) -> None:
    config = _config(tmp_path)
    versions = tmp_path / "migrations" / "versions"
    (versions / "bbb222_broken.py").write_text("import no_such_module\nrevision = 'bbb222'\n")
    with pytest.raises(RevisionImportError, match="bbb222_broken.py does not import"):
        load_script_directory(config)


def test_the_linter_does_not_take_it_for_a_bad_revision_range(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flask_remodel.lint.history import select_range

    script = ScriptDirectory.from_config(_config(tmp_path))
    _alembic.use_revision_index(script)  # the map is built on first use
    monkeypatch.delattr(ScriptDirectory, "_version_locations")
    with pytest.raises(AlembicIncompatibleError, match="_version_locations is gone"):
        select_range(script, "base:head")


def test_a_deploy_plan_stops_instead_of_noting_it_per_revision(tmp_path: Path) -> None:
    from flask_remodel.deploy.plan import plan

    script = ScriptDirectory.from_config(_config(tmp_path))

    def sql_for(step: object) -> str:
        raise _alembic.incompatible("alembic", "something is gone")

    with pytest.raises(AlembicIncompatibleError, match="something is gone"):
        plan(list(script.walk_revisions()), "upgrade", sql_for)


def test_a_changed_signature_is_reported_by_what_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = ScriptDirectory.from_config(_config(tmp_path))

    def _upgrade_revs(self: ScriptDirectory, target: str, heads: object) -> list[object]:
        return []

    monkeypatch.setattr(ScriptDirectory, "_upgrade_revs", _upgrade_revs)
    with pytest.raises(AlembicIncompatibleError, match=r"takes \(target, heads\) where "
                       r"Flask-Remodel passes \(destination, current_rev\)"):
        _alembic.upgrade_steps(script, "head", ())


def test_a_module_level_internal_that_is_gone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(render, "_repr_type")
    with pytest.raises(AlembicIncompatibleError, match=r"render\._repr_type is gone"):
        _alembic.render_type(sa.Integer(), object())


def test_an_attribute_no_longer_set_on_each_object(monkeypatch: pytest.MonkeyPatch) -> None:
    context = MigrationContext.configure(dialect_name="sqlite")
    del context._in_external_transaction
    with pytest.raises(
        AlembicIncompatibleError, match=r"MigrationContext\._in_external_transaction is gone"
    ):
        _alembic.commits_each_step(context)


def test_sqlalchemy_is_named_for_its_own_internals(monkeypatch: pytest.MonkeyPatch) -> None:
    column = sa.Column("c", sa.Integer)
    monkeypatch.delattr(sa.Column, "_copy")
    with pytest.raises(SQLAlchemyIncompatibleError) as caught:
        _alembic.copied_column(column)
    assert f"does not support SQLAlchemy {sa.__version__}: " in str(caught.value)
    assert "sqlalchemy.sql.schema.Column._copy is gone" in str(caught.value)
    assert "pip install 'SQLAlchemy>=1.4,<2.2'" in str(caught.value)


@pytest.mark.backends("sqlite")
def test_the_cli_says_which_alembic_to_install(
    make_app: Callable[..., MadeApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    made = make_app()
    made.ok("init")
    made.ok("revision", "-m", "first")
    monkeypatch.delattr(ScriptDirectory, "_version_locations")
    result = made.cli("upgrade")
    assert result.exit_code == 3, result.output
    assert "Error: Flask-Remodel" in result.output
    assert f"does not support alembic {alembic.__version__}" in result.output
    assert "ScriptDirectory._version_locations is gone" in result.output
    assert "pip install 'alembic>=1.16,<1.21'" in result.output
