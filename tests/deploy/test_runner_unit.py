"""The Flask-free runner and revision-file reading, without an app."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from flask_remodel.deploy.committed import Committed
from flask_remodel.deploy.errors import BadPhaseError
from flask_remodel.deploy.runner import DeployOptions
from flask_remodel.deploy.runner import Target
from flask_remodel.deploy.runner import _resumes
from flask_remodel.deploy.runner import upgrade
from flask_remodel.deploy.scripts import revision_facts
from flask_remodel.errors import MigrationFailedError
from flask_remodel.online.errors import BackfillError

SCRIPT = '''
import sqlalchemy as sa
from alembic import op

revision = "{rev}"
down_revision = {down!r}
{extra}

def upgrade():
    op.add_column("t", sa.Column("x", sa.Integer))
    with op.batch_alter_table("t") as batch_op:
        batch_op.drop_column("y")


def downgrade():
{down_body}
'''


def _folder(tmp_path: Path, down_body: str = "    pass", extra: str = "") -> ScriptDirectory:
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "a1_first.py").write_text(
        SCRIPT.format(rev="a1", down=None, extra=extra, down_body=down_body)
    )
    return ScriptDirectory(str(tmp_path))


def test_revision_facts_are_read_from_the_source(tmp_path: Path) -> None:
    _folder(tmp_path, down_body="    raise NotImplementedError", extra="remodel_phase = 'post'")
    facts = revision_facts(tmp_path / "versions" / "a1_first.py")
    assert facts.phase == "post"
    assert facts.upgrade_ops == (
        'op.add_column("t", sa.Column("x", sa.Integer))',
        'batch_op.drop_column("y")',  # the block itself is no operation
    )
    assert not facts.reversible and facts.loses_data


def test_a_phase_that_is_not_a_literal_is_refused(tmp_path: Path) -> None:
    script = _folder(tmp_path, extra="remodel_phase = 'la' + 'ter'")
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    target = Target(engine, script, lambda command, rev: None)
    with pytest.raises(BadPhaseError, match="a1_first.py: remodel_phase must be one of"):
        upgrade(target, "head", DeployOptions(phase="pre"))


def test_a_run_that_does_not_move_the_version_table_fails(tmp_path: Path) -> None:
    """What an env.py that swallows errors (or never commits) looks like from outside."""
    script = _folder(tmp_path)
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    target = Target(engine, script, lambda command, rev: None)
    with pytest.raises(MigrationFailedError, match="version table does not show it applied"):
        upgrade(target, "head", DeployOptions(lock_wait=1))
    engine.dispose()


@pytest.mark.parametrize(
    ("committed", "resumes"),
    [
        (["UPDATE item SET n=id WHERE item.id >= 1", "UPDATE `item` SET n=id WHERE id > 9"], True),
        (["ALTER TABLE item ADD COLUMN n INTEGER", "UPDATE item SET n=id WHERE id >= 1"], False),
        (["UPDATE other SET n=1"], False),
    ],
)
def test_only_a_stopped_backfill_is_run_again_without_resolve(
    committed: list[str], resumes: bool
) -> None:
    record = _record(committed)
    assert _resumes(BackfillError("item", 20, "boom"), record) is resumes
    # a failure that is not a resumable backfill is always held back
    assert _resumes(MigrationFailedError("r1", "boom", kept=True), record) is False
    assert _resumes(BackfillError("item", 0, "boom", kept=False), record) is False


def test_a_record_that_left_statements_out_is_held_back() -> None:
    # Every statement listed is an UPDATE of the table, but not every one is listed.
    many = _record([f"UPDATE item SET n={i} WHERE id = {i}" for i in range(100)])
    assert not many.complete
    assert _resumes(BackfillError("item", 20, "boom"), many) is False


def _record(statements: list[str]) -> Committed:
    record = Committed()
    for statement in statements:
        record.add(statement)
    return record
