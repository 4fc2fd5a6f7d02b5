"""All pending revisions in one pass of env.py: still one transaction (and commit) each."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from support.apps import AppFactory

from .conftest import Project


def _commits_during_upgrade(project: Project) -> int:
    engine = project.made.engines()[None]
    commits: list[object] = []

    def count(connection: object) -> None:
        commits.append(connection)

    sa.event.listen(engine, "commit", count)
    try:
        project.made.ok("upgrade")
    finally:
        sa.event.remove(engine, "commit", count)
    return len(commits)


@pytest.mark.backends("sqlite", "postgresql")
def test_each_revision_costs_one_commit_ledger_included(project: Project) -> None:
    """The ledger rows ride in the revisions' own transactions where DDL is transactional."""
    project.add_tables(2, sleep=0)
    project.made.ok("upgrade")
    project.add_tables(3, sleep=0)
    three = _commits_during_upgrade(project)
    project.add_tables(6, sleep=0)
    six = _commits_during_upgrade(project)
    assert six - three == 3
    assert project.log() == {f"r{n}": 1 for n in range(1, 12)}
    assert [(e["revision"], e["outcome"]) for e in project.ledger()] == [
        (f"r{n}", "applied") for n in range(1, 12)
    ]


@pytest.mark.backends("mariadb")
def test_where_ddl_commits_by_itself_a_revision_still_costs_one_commit_ledger_included(
    project: Project,
) -> None:
    """On MariaDB each DDL statement's in-flight mark is written on the migration
    connection just before it, so the statement's own implicit commit carries it; the
    revision's ledger row is closed, and the next one opened, in the transaction that
    moves the version table. No commit of the ledger's own."""
    project.add_tables(2, sleep=0)
    project.made.ok("upgrade")
    project.add_tables(3, sleep=0)
    three = _commits_during_upgrade(project)
    project.add_tables(6, sleep=0)
    six = _commits_during_upgrade(project)
    assert six - three == 3
    assert project.log() == {f"r{n}": 1 for n in range(1, 12)}
    assert [(e["revision"], e["outcome"]) for e in project.ledger()] == [
        (f"r{n}", "applied") for n in range(1, 12)
    ]


def test_an_env_without_a_transaction_per_revision_still_gets_one_each(
    make_app: AppFactory, database_url: str, tmp_path: Path
) -> None:
    """With transaction_per_migration off, one pass would run every revision in one
    transaction: the runner gives each its own pass instead, so a failure keeps those
    before it."""
    made = make_app(
        None, directory=tmp_path / "migrations", config={"REMODEL_LINT": "off"},
        transaction_per_migration=False,
    )
    made.ok("init")
    project = Project(made, tmp_path, database_url)
    project.add_tables(2, sleep=0)
    project.add("op.execute('SELECT * FROM no_such_table')", sleep=0)
    assert made.cli("upgrade").exit_code == 1
    assert project.log() == {"r1": 1, "r2": 1}
    assert "Database at: r2" in made.ok("status").output
    assert [(e["revision"], e["outcome"]) for e in project.ledger()] == [
        ("r1", "applied"), ("r2", "applied"), ("r3", "failed"),
    ]


IMPORT_COUNTING = '''"""step {revision}"""
from pathlib import Path

from alembic import op

with open({log!r}, "a") as log:
    log.write("{revision}\\n")

revision = {revision!r}
down_revision = {down!r}


def upgrade():
    op.execute("SELECT 1")


def downgrade():
    pass
'''


@pytest.mark.backends("sqlite")
def test_upgrade_imports_each_revision_once_for_the_lint_and_the_run(
    make_app: AppFactory, tmp_path: Path
) -> None:
    made = make_app(None, directory=tmp_path / "migrations")  # the linter is on
    made.ok("init")
    log = tmp_path / "imports.log"
    down = None
    for revision in ("a1", "a2", "a3"):
        (made.migrations_dir / "versions" / f"{revision}_step.py").write_text(
            IMPORT_COUNTING.format(revision=revision, down=down, log=str(log))
        )
        down = revision
    made.ok("upgrade")
    assert log.read_text().split() == ["a1", "a2", "a3"]
    assert "a3 (head)" in made.ok("current").output
