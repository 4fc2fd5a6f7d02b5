"""What ``check`` and a failing revision print: readable, naming the revision and its line.

Each case is one that real apps' histories ran into: reprs with memory
addresses in ``check``, an assert deep in SQLAlchemy reported as an
"unexpected" error, a bare ``columns`` for a table that does not exist.
"""

from __future__ import annotations

import re
import textwrap
from typing import Any

import pytest
import sqlalchemy as sa

import flask_remodel
from flask_remodel.errors import MigrationFailedError
from support.apps import AppFactory
from support.apps import MadeApp


def _error_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith("Error: ")]
    assert len(lines) == 1, output
    return lines[0]


def _revision(made: MadeApp, rev_id: str, upgrade: str) -> None:
    """A revision written by 'flask db revision', with *upgrade* as its upgrade() body."""
    made.ok("revision", "-m", f"step {rev_id}", "--rev-id", rev_id)
    path = made.script(rev_id)
    body = textwrap.indent(textwrap.dedent(upgrade).strip(), "    ")
    path.write_text(path.read_text().replace("def upgrade():\n    pass", f"def upgrade():\n{body}"))


def _parent_and_child(made: MadeApp) -> None:
    """Revision aaa001 (applied): a child table with an unnamed foreign key to parent."""
    made.ok("init")
    _revision(made, "aaa001", """
        op.create_table("parent", sa.Column("id", sa.Integer, primary_key=True))
        op.create_table(
            "child",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("parent_id", sa.Integer, sa.ForeignKey("parent.id")),
        )
    """)
    made.ok("upgrade")


def _events(label_default: str, label_length: int) -> Any:
    def define(db: Any) -> None:
        type("Event", (db.Model,), {
            "__tablename__": "event",
            "id": db.Column(db.Integer, primary_key=True),
            "label": db.Column(db.String(label_length), server_default=label_default),
        })

    return define


def test_check_names_default_and_type_differences_readably(make_app: AppFactory) -> None:
    made = make_app(_events("abc", 64))
    made.ok("init")
    made.ok("migrate", "-m", "events")
    made.ok("upgrade")
    result = make_app(_events("xyz", 10)).cli("check")
    assert result.exit_code == 1
    line = _error_line(result.output)
    assert "object at 0x" not in line and "DefaultClause" not in line
    assert "existing_" not in line  # the settings Alembic carries along are not differences
    assert "modify_type event.label: VARCHAR(64) -> VARCHAR(10)" in line
    # PostgreSQL hands the old default back with its cast ('abc'::character varying).
    assert re.search(r"modify_default event\.label: 'abc'(::[a-z ]+)? -> 'xyz'", line), line


def test_check_in_the_api_lists_the_same_lines(make_app: AppFactory) -> None:
    made = make_app(_events("abc", 64))
    made.ok("init")
    made.ok("migrate", "-m", "events")
    made.ok("upgrade")
    changed = make_app(_events("abc", 10))
    with changed.app.app_context():
        assert flask_remodel.check() == ["modify_type event.label: VARCHAR(64) -> VARCHAR(10)"]


@pytest.mark.backends("postgresql", "mariadb")  # SQLite refuses it first (test_sqlite_rebuilds)
def test_dropping_an_unnamed_constraint_names_the_revision_and_the_operation(
    make_app: AppFactory,
) -> None:
    made = make_app()
    _parent_and_child(made)
    _revision(made, "bbb002", 'op.drop_constraint(None, "child", type_="foreignkey")')
    result = made.cli("upgrade")
    assert result.exit_code == 1
    line = _error_line(result.output)
    assert "unexpected" not in line and "--traceback" not in line
    assert line.startswith(
        "Error: Migration bbb002 failed at "
        "op.drop_constraint(None, 'child', type_='foreignkey') on line "
    ), line
    assert "give drop_constraint its real name" in line
    assert "get_foreign_keys('child')" in line
    with made.app.app_context(), pytest.raises(MigrationFailedError) as caught:
        flask_remodel.upgrade()
    # MariaDB: an assert (a TypeError in other versions) in SQLAlchemy's compiler;
    # PostgreSQL: a CompileError. Either way it is named and kept as the cause.
    cause = caught.value.__cause__
    assert cause is not None and not isinstance(cause, MigrationFailedError)
    assert f": {type(cause).__name__}" in caught.value.message
    assert caught.value.revision == "bbb002"
    assert caught.value.operation is not None
    assert caught.value.operation.startswith("op.drop_constraint(None, 'child'")


@pytest.mark.backends("mariadb")
def test_a_partly_committed_revision_also_names_the_operation(make_app: AppFactory) -> None:
    made = make_app()
    _parent_and_child(made)
    _revision(made, "bbb002", """
        op.add_column("child", sa.Column("note", sa.String(20)))
        op.drop_constraint(
            None, "child", type_="foreignkey"
        )
    """)
    result = made.cli("upgrade")
    assert result.exit_code == 1
    line = _error_line(result.output)
    # The multi-line call is written on one line, from the line it starts on.
    assert "failed at op.drop_constraint(None, 'child', type_='foreignkey') on line " in line
    assert "flask db resolve bbb002" in line


def test_a_missing_table_reflected_in_a_revision_says_what_is_missing(
    make_app: AppFactory,
) -> None:
    made = make_app()
    made.ok("init")
    _revision(made, "ccc003", """
        sa.Table("nosuch", sa.MetaData(), autoload_with=op.get_bind())
    """)
    result = made.cli("upgrade")
    assert result.exit_code == 1
    line = _error_line(result.output)
    assert line.startswith(
        "Error: Migration ccc003 failed at "
        "sa.Table('nosuch', sa.MetaData(), autoload_with=op.get_bind()) on line "
    ), line
    assert ": NoSuchTableError: nosuch. " in line
    with made.app.app_context(), pytest.raises(MigrationFailedError) as caught:
        flask_remodel.upgrade()
    assert isinstance(caught.value.__cause__, sa.exc.NoSuchTableError)
