"""Messages that must be right: each case was once wrong, and each wrong word misleads.

A name listed twice, helpers shown as operations, a server blamed for a
missing folder, a URL the user never wrote, a lost exit code, an empty
reason, advice to run a command that then refuses, advice to stamp a head
that does not exist, and an ini file's missing section reported as a bare
``KeyError``.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_remodel.deploy.ledger import Ledger
from flask_remodel.deploy.scripts import revision_facts
from flask_remodel.urls import shown_url
from support.apps import AppFactory

pytestmark = pytest.mark.backends("sqlite")


def _error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("Error: ")]


def _models(db: object) -> None:
    from support.apps import add_table

    add_table(db, "author", sa.Column("id", sa.Integer, primary_key=True))
    add_table(
        db, "book", sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("author_id", sa.Integer, sa.ForeignKey("author.id")),
    )


def _unlinked(db: object) -> None:
    from support.apps import add_table

    add_table(db, "author", sa.Column("id", sa.Integer, primary_key=True))
    add_table(
        db, "book", sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("author_id", sa.Integer),
    )


def test_each_named_constraint_is_listed_once(make_app: AppFactory) -> None:
    """The upgrade creates the foreign key, the downgrade drops it: one name."""
    made = make_app(_unlinked)
    made.ok("init")
    made.ok("migrate", "-m", "books")
    made.ok("upgrade")
    output = make_app(_models).ok("migrate", "-m", "link").output
    [line] = [line for line in output.splitlines() if line.startswith("Named constraints")]
    names = line.split(": ", 1)[1].split(", ")
    assert names == ["fk_book_author_id_author"]


def test_the_plan_lists_operations_not_helpers(tmp_path: Path) -> None:
    path = tmp_path / "r1_step.py"
    path.write_text(textwrap.dedent('''
        from alembic import op
        import sqlalchemy as sa

        revision = "r1"
        down_revision = None


        def upgrade():
            op.create_index(op.f("ix_book_title"), "book", ["title"])
            with op.batch_alter_table("book") as batch_op:
                batch_op.add_column(sa.Column("isbn", sa.String(13)))
            op.get_bind()


        def downgrade():
            op.drop_index(op.f("ix_book_title"), table_name="book")
    '''))
    facts = revision_facts(path)
    assert facts.upgrade_ops == (
        'op.create_index(op.f("ix_book_title"), "book", ["title"])',
        'batch_op.add_column(sa.Column("isbn", sa.String(13)))',
    )
    assert facts.downgrade_ops == ('op.drop_index(op.f("ix_book_title"), table_name="book")',)


def test_an_unopenable_sqlite_file_is_not_blamed_on_a_server(
    make_app: AppFactory, tmp_path: Path
) -> None:
    made = make_app(_models, database_url=f"sqlite:///{tmp_path / 'no' / 'such' / 'app.db'}")
    made.ok("init")
    result = made.cli("current")
    assert result.exit_code == 4, result.output
    [line] = _error_lines(result.output)
    assert "server" not in line
    assert "Check that the database file's folder exists and can be written" in line
    # --traceback shows the trace, and keeps the exit code scripts check.
    traced = made.cli("--traceback", "current")
    assert traced.exit_code == 4, traced.output
    assert "Traceback (most recent call last)" in traced.output
    assert "DatabaseUnreachableError" in traced.output


def test_a_url_is_shown_as_the_config_wrote_it() -> None:
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "mysql+pymysql://app:secret@db.example/shop"
    built = sa.engine.make_url("mysql+pymysql://app:secret@db.example/shop?charset=utf8mb4")
    with app.app_context():
        assert shown_url(built) == "mysql+pymysql://app:***@db.example/shop"
        other = sa.engine.make_url("mysql+pymysql://app:secret@db.example/other?charset=utf8mb4")
        assert shown_url(other) == (
            "mysql+pymysql://app:***@db.example/other?charset=utf8mb4"
        )  # not the configured database: shown as it is
    assert shown_url(built) == "mysql+pymysql://app:***@db.example/shop?charset=utf8mb4"


def test_status_gives_the_reason_of_an_interrupted_revision(make_app: AppFactory) -> None:
    made = make_app(_models)
    made.ok("init")
    made.ok("migrate", "-m", "books", "--rev-id", "r1")
    made.ok("upgrade")
    Ledger(made.engines()[None]).start("r2", "upgrade", None)  # a process that died
    output = made.ok("status").output
    [line] = [line for line in output.splitlines() if line.startswith("  r2  ")]
    assert line == (
        "  r2  interrupted: the process running it stopped (nobody holds the deploy lock); "
        "the database rolled it back, so upgrade runs it again"
    )


def test_check_without_models_does_not_advise_migrate(make_app: AppFactory) -> None:
    made = make_app(_models)
    made.ok("init")
    made.ok("migrate", "-m", "books")
    made.ok("upgrade")
    forgot = make_app()  # the same database, the models never imported
    result = forgot.cli("check")
    assert result.exit_code == 1, result.output
    [line] = _error_lines(result.output)
    assert "the models were probably not imported" in line
    assert "flask db migrate" not in line


def test_a_create_all_database_without_revisions_is_not_told_to_stamp_head(
    make_app: AppFactory,
) -> None:
    made = make_app(_models)
    made.ok("init")
    with made.app.app_context():
        made.db.create_all()
    output = made.ok("migrate", "-m", "first").output
    assert "there is no revision yet to record it with" in output
    assert "If it matches the models, record that with 'flask db stamp head'" not in output


def test_an_ini_without_logging_sections_is_named(make_app: AppFactory) -> None:
    made = make_app(_models)
    made.ok("init")
    env = made.migrations_dir / "env.py"
    # What Flask-Migrate's env.py does first; Flask-Remodel's alembic.ini has no logging.
    env.write_text(
        "from logging.config import fileConfig\n"
        "from alembic import context\n"
        "fileConfig(context.config.config_file_name)\n" + env.read_text()
    )
    result = made.cli("current")
    assert result.exit_code == 3, result.output
    [line] = _error_lines(result.output)
    assert "alembic.ini has no [formatters] section" in line
    assert "remove the fileConfig() call from env.py" in line
    assert "KeyError" not in line


_FAILS_AFTER_AN_AUTOCOMMIT_BLOCK = '''
from alembic import op
import sqlalchemy as sa

revision = "{rev}"
down_revision = None


def upgrade():
    {before}
    op.execute("SELECT * FROM no_such_table")


def downgrade():
    pass
'''


@pytest.mark.backends("sqlite", "postgresql")
@pytest.mark.parametrize(
    ("before", "committed"),
    [
        ('with op.get_context().autocommit_block():\n'
         '        op.create_table("early", sa.Column("id", sa.Integer, primary_key=True))',
         True),
        ('op.create_table("early", sa.Column("id", sa.Integer, primary_key=True))', False),
    ],
    ids=["after-autocommit-block", "in-the-transaction"],
)
def test_a_failure_after_an_autocommit_block_says_that_block_was_kept(
    make_app: AppFactory, before: str, committed: bool
) -> None:
    made = make_app()
    made.ok("init")
    (made.migrations_dir / "versions" / "r1_fails.py").write_text(
        _FAILS_AFTER_AN_AUTOCOMMIT_BLOCK.format(rev="r1", before=before)
    )
    result = made.cli("upgrade")
    assert result.exit_code != 0
    assert made.database_url is not None
    engine = sa.create_engine(made.database_url)
    try:
        tables = set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert ("early" in tables) is committed
    [line] = _error_lines(result.output)
    if committed:
        assert "What its autocommit blocks and batched steps committed before the failure " \
            "is kept" in line
    else:
        assert "Nothing of it was kept" in line


# A revision file that raises a KeyError while it is imported (an environment variable
# read at module level): its own error, not a lookup of a revision.
_RAISES_AT_IMPORT = 'import os\nDSN = os.environ["REMODEL_TEST_NEVER_SET"]\n'


@pytest.mark.parametrize("command", ["check", "upgrade", "lint"])
def test_a_revision_that_raises_a_key_error_on_import_is_named(
    make_app: AppFactory, command: str
) -> None:
    made = make_app(_models)
    made.ok("init")
    made.ok("migrate", "-m", "books")
    script = made.script("books")
    script.write_text(_RAISES_AT_IMPORT + script.read_text())
    result = made.cli(command)
    assert result.exit_code != 0
    [line] = _error_lines(result.output)
    assert line == (
        f"Error: The revision file {script} does not import: KeyError: "
        "'REMODEL_TEST_NEVER_SET'. Fix or remove that file."
    )


def test_a_revision_the_index_cannot_read_is_imported_and_its_key_error_named(
    make_app: AppFactory,
) -> None:
    made = make_app(_models)
    made.ok("init")
    made.ok("migrate", "-m", "books")
    script = made.script("books")
    # A computed revision id: the index cannot read it, so loading the folder imports it.
    text = re.sub(r"^revision = ('\w+')$", r"revision = str(\1)", script.read_text(),
                  count=1, flags=re.M)
    assert "revision = str(" in text
    script.write_text(_RAISES_AT_IMPORT + text)
    result = made.cli("heads")
    assert result.exit_code != 0
    [line] = _error_lines(result.output)
    assert "does not import: KeyError: 'REMODEL_TEST_NEVER_SET'" in line
    assert "unknown revision" not in line
