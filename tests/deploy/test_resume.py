"""A revision MariaDB committed part of resumes on the next ``upgrade`` (issue 16).

MariaDB commits each DDL statement, so a revision that fails at its third
statement keeps the first two. The next ``upgrade`` runs it again without
sending those two, when the ledger's record of them is whole and the file
is unchanged; anything else is refused as before (exit 9, ``resolve``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from support import columns
from support import execute
from support import rows
from support import table_names

from .conftest import Project

pytestmark = pytest.mark.backends("mariadb")

# Two statements that commit, then one that fails until the table 'later' exists.
# The index's name comes from the environment: the same file, another statement.
THREE = (
    "import os\n"
    "op.add_column('t_1', sa.Column('a', sa.Integer))\n"
    "op.create_index(os.environ.get('RESUME_TEST_INDEX', 'ix_t_1_a'), 't_1', ['a'])\n"
    "op.add_column('later', sa.Column('b', sa.Integer))"
)


@contextmanager
def sent() -> Iterator[list[str]]:
    """The statements sent to the server meanwhile (as sent: after any rewriting)."""
    found: list[str] = []

    def after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        found.append(statement)

    event.listen(Engine, "after_cursor_execute", after)
    try:
        yield found
    finally:
        event.remove(Engine, "after_cursor_execute", after)


def _fail_half_way(project: Project) -> dict[str, Any]:
    project.add_tables(1, sleep=0)
    project.add(THREE, sleep=0)
    first = project.made.cli("upgrade")
    assert first.exit_code == 1, first.output
    # The first failing run is what it was: partial, with what it committed.
    row = project.ledger()[-1]
    assert (row["revision"], row["outcome"]) == ("r2", "partial")
    assert row["executed"].count("\n;\n") == 1  # ADD COLUMN a; CREATE INDEX
    assert "flask db upgrade' again, which resumes" in first.output
    return row


def _indexes(project: Project) -> list[str]:
    return sorted({r[2] for r in rows(project.url, "SHOW INDEX FROM t_1")})


def test_the_next_upgrade_resumes_after_what_was_committed(project: Project) -> None:
    _fail_half_way(project)
    execute(project.url, "CREATE TABLE later (id INTEGER PRIMARY KEY)")
    with sent() as statements:
        result = project.made.ok("upgrade")
    assert "Resuming r2: 2 statement(s) it committed before are skipped" in result.output
    # Neither committed statement was sent again (each would have failed: they exist).
    assert not [s for s in statements if "ADD COLUMN a" in s or "CREATE INDEX" in s]
    assert statements.count("DO 0") == 2
    assert [s for s in statements if "ADD COLUMN b" in s]
    assert "Database at: r2" in project.made.ok("status").output
    assert "a" in columns(project.url, "t_1") and "b" in columns(project.url, "later")
    assert "ix_t_1_a" in _indexes(project)
    assert project.log() == {"r1": 1, "r2": 1}
    last = project.ledger()[-1]
    assert (last["revision"], last["outcome"]) == ("r2", "applied")
    # Its record lists all it committed, the earlier run's statements first.
    assert last["executed"].index("ADD COLUMN a") < last["executed"].index("ADD COLUMN b")


def test_a_resumed_run_that_fails_again_can_resume_again(project: Project) -> None:
    before = _fail_half_way(project)
    again = project.made.cli("upgrade")  # the cause is not fixed: it fails the same way
    assert again.exit_code == 1, again.output
    assert "Resuming r2" in again.output
    row = project.ledger()[-1]
    assert row["outcome"] == "partial" and row["executed"] == before["executed"]
    execute(project.url, "CREATE TABLE later (id INTEGER PRIMARY KEY)")
    project.made.ok("upgrade")
    assert project.log() == {"r1": 1, "r2": 1}


def test_an_edited_file_is_refused(project: Project) -> None:
    before = _fail_half_way(project)
    execute(project.url, "CREATE TABLE later (id INTEGER PRIMARY KEY)")
    path = project.versions / "r2_step.py"
    path.write_text(path.read_text() + "\n# edited\n")
    result = project.made.cli("upgrade")
    assert result.exit_code == 9, result.output
    assert "cannot resume it: its file changed since it ran" in " ".join(result.output.split())
    assert "flask db resolve r2" in result.output
    assert project.ledger()[-1] == before  # refused before anything ran


@pytest.mark.parametrize("record", ["elided", "cut"])
def test_a_record_that_is_not_whole_is_refused(project: Project, record: str) -> None:
    project.add_tables(1, sleep=0)
    if record == "elided":  # more statements than the record lists (10 first, 5 last)
        body = "for i in range(17):\n    op.add_column('t_1', sa.Column(f'c{i}', sa.Integer))\n"
    else:  # one statement longer than an entry keeps
        body = f"op.execute(\"CREATE TABLE long_one (id INT) COMMENT '{'x' * 1000}'\")\n"
    project.add(body + "op.add_column('later', sa.Column('b', sa.Integer))", sleep=0)
    assert project.made.cli("upgrade").exit_code == 1
    before = project.ledger()[-1]
    assert before["outcome"] == "partial"
    execute(project.url, "CREATE TABLE later (id INTEGER PRIMARY KEY)")
    result = project.made.cli("upgrade")
    assert result.exit_code == 9, result.output
    assert "lists only part of what it committed" in " ".join(result.output.split())
    assert project.ledger()[-1] == before
    assert "b" not in columns(project.url, "later")


def test_a_revision_that_now_runs_other_statements_is_refused_before_sending_any(
    project: Project,
) -> None:
    before = _fail_half_way(project)
    execute(project.url, "CREATE TABLE later (id INTEGER PRIMARY KEY)")
    schema = (table_names(project.url), columns(project.url, "t_1"), _indexes(project))
    with sent() as statements:
        result = project.made.cli("upgrade", env={"RESUME_TEST_INDEX": "ix_other"})
    assert result.exit_code == 9, result.output
    said = " ".join(result.output.split())
    assert "Upgrade cannot resume it: the revision now runs CREATE INDEX ix_other" in said
    assert "where it committed CREATE INDEX ix_t_1_a" in said
    # The ADD COLUMN it had committed was skipped, the differing CREATE INDEX never sent.
    changing = [s for s in statements if s.split()[0] in ("ALTER", "CREATE", "DROP")]
    assert changing == [], changing
    assert (table_names(project.url), columns(project.url, "t_1"), _indexes(project)) == schema
    # The ledger still says what it said: partial, with the same record.
    last = project.ledger()[-1]
    assert (last["outcome"], last["executed"], last["checksum"]) == (
        "partial", before["executed"], before["checksum"]
    )
    # As it was, the revision resumes.
    project.made.ok("upgrade")
    assert "b" in columns(project.url, "later")


def test_rows_a_failed_ddl_statement_may_have_committed_are_not_run_again(
    project: Project,
) -> None:
    """MariaDB commits the revision's data changes before it runs a DDL statement, even
    one that then fails: the UPDATE stayed, and running it again would add 100 twice."""
    project.add_tables(1, sleep=0)
    execute(project.url, "CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)")
    execute(project.url, "INSERT INTO counter VALUES (1, 0)")
    project.add(
        "op.add_column('t_1', sa.Column('a', sa.Integer))\n"
        "op.execute('UPDATE counter SET n = n + 100')\n"
        "op.add_column('later', sa.Column('b', sa.Integer))",
        sleep=0,
    )
    assert project.made.cli("upgrade").exit_code == 1
    assert rows(project.url, "SELECT n FROM counter") == [(100,)]
    status = project.made.ok("status").output
    assert "uncertain: UPDATE counter SET n = n + 100" in status, status
    execute(project.url, "CREATE TABLE later (id INTEGER PRIMARY KEY)")
    result = project.made.cli("upgrade")
    assert result.exit_code == 9, result.output
    assert "whether a statement it sent took effect is not known" in " ".join(
        result.output.split()
    )
    assert rows(project.url, "SELECT n FROM counter") == [(100,)]
