"""Alembic still asks for migration steps one at a time.

The deploy runner runs every pending revision in one Alembic run and keeps
its ledger per revision from the hooks of
:func:`flask_remodel._alembic.steps_one_at_a_time`: *before* as Alembic asks
for a step, *committed* as it asks for the next one. That is only right
while ``MigrationContext.run_migrations`` runs and commits each step before
it asks for the next, which Alembic does not document. Were it to build the
list first, the ledger would record commits before anything ran: the first
test fails then, and the seam refuses to go on (the second).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.script import Script
from alembic.script import ScriptDirectory

from flask_remodel._alembic import steps_one_at_a_time
from flask_remodel.errors import AlembicIncompatibleError

REVISION = '''
"""{revision}"""
import sqlalchemy as sa
from alembic import op

revision = {revision!r}
down_revision = {down!r}
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("t_{revision}", sa.Column("id", sa.Integer, primary_key=True))


def downgrade():
    op.drop_table("t_{revision}")
'''

# A plain Alembic env.py, as the deploy runner needs it: a transaction per revision.
ENV = """
import sqlalchemy as sa
from alembic import context

engine = sa.create_engine(context.config.get_main_option("sqlalchemy.url"))
try:
    with engine.connect() as connection:
        context.configure(connection=connection, transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()
finally:
    engine.dispose()  # also when Alembic refuses: no connection left for the collector
"""

CHAIN = (("aaa111", None), ("bbb222", "aaa111"), ("ccc333", "bbb222"))


def _script(tmp_path: Path, url: str) -> tuple[Config, ScriptDirectory, list[Script]]:
    folder = tmp_path / "migrations"
    (folder / "versions").mkdir(parents=True)
    (folder / "env.py").write_text(ENV)
    for revision, down in CHAIN:
        (folder / "versions" / f"{revision}.py").write_text(
            REVISION.format(revision=revision, down=down)
        )
    config = Config()
    config.set_main_option("script_location", str(folder))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    script = ScriptDirectory.from_config(config)
    revisions = [script.get_revision(revision) for revision, _ in CHAIN]
    return config, script, [r for r in revisions if r is not None]


def test_alembic_runs_and_commits_each_step_before_asking_for_the_next(
    tmp_path: Path, database_url: str
) -> None:
    config, script, revisions = _script(tmp_path, database_url)
    observer = sa.create_engine(database_url)
    events: list[tuple[str, ...]] = []

    def committed_version() -> str:
        """The version another connection sees: only what was committed."""
        try:
            with observer.connect() as connection:
                found = connection.execute(sa.text("SELECT version_num FROM alembic_version"))
                return str(found.scalar())
        except sa.exc.DBAPIError:  # the version table is not committed yet
            return "None"

    def steps(heads: object, context: object) -> object:
        return steps_one_at_a_time(
            script, revisions, True,
            before=lambda r: events.append(("before", r.revision, committed_version())),
            inside=lambda r: events.append(("inside", r.revision)),
            committed=lambda r: events.append(("committed", r.revision, committed_version())),
        )

    try:
        with EnvironmentContext(config, script, fn=steps, destination_rev="ccc333"):
            script.run_env()
    finally:
        observer.dispose()
    assert events == [
        ("before", "aaa111", "None"),
        ("inside", "aaa111"),
        ("committed", "aaa111", "aaa111"),
        ("before", "bbb222", "aaa111"),
        ("inside", "bbb222"),
        ("committed", "bbb222", "bbb222"),
        ("before", "ccc333", "bbb222"),
        ("inside", "ccc333"),
        ("committed", "ccc333", "ccc333"),
    ]


def test_steps_asked_for_all_at_once_are_refused_before_anything_is_reported(
    tmp_path: Path,
) -> None:
    _, script, revisions = _script(tmp_path, f"sqlite:///{tmp_path / 'app.db'}")
    committed: list[Script] = []
    steps = steps_one_at_a_time(
        script, revisions, True, before=lambda r: None, inside=lambda r: None,
        committed=committed.append,
    )
    with pytest.raises(AlembicIncompatibleError) as refused:
        list(steps)  # what an Alembic that builds the list first would do
    assert "asks for the next migration step before it ran the one before" in str(refused.value)
    assert committed == []
