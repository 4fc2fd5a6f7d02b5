"""Importing Flask-Remodel and building ``flask db`` does not import Alembic.

Each test runs in a fresh interpreter: this one has long imported Alembic and
registered every operation.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

APP = """
import sys
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from flask_remodel import Migrate

app = Flask("light")
app.config["SQLALCHEMY_DATABASE_URI"] = {url!r}
db = SQLAlchemy(app)
migrate = Migrate(app, db, directory={folder!r})
"""


def _run(code: str, cwd: Path | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, cwd=cwd
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_building_the_db_group_does_not_import_alembic(tmp_path: Path) -> None:
    out = _run(APP.format(url="sqlite://", folder=str(tmp_path / "migrations")) + """
runner = app.test_cli_runner()
for args in (["db", "--help"], ["db", "heads", "--help"], ["db", "upgrade", "--help"]):
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
print(sorted(app.cli.get_command(None, "db").commands))
print("alembic" in sys.modules)
""")
    commands, alembic_loaded = out.splitlines()
    assert "heads" in commands and "upgrade" in commands
    assert alembic_loaded == "False"


def test_commands_are_imported_when_first_asked_for(tmp_path: Path) -> None:
    # A web worker imports the app and so runs Migrate(app, db): it must not pay
    # for the modules that define the commands. Looking one command up loads its
    # own module only; listing them loads the rest, whichever command module
    # was imported on its own before.
    out = _run(APP.format(url="sqlite://", folder=str(tmp_path / "migrations")) + """
import click
loaded = lambda: sorted(m for m in sys.modules if m.startswith("flask_remodel.cli."))
print(loaded())
group = app.cli.get_command(click.Context(app.cli), "db")
print(group.get_command(click.Context(group), "heads").name)
print(loaded())
import flask_remodel.cli.writing  # imports linting, which running imports in turn
print(len(group.list_commands(click.Context(group))), "upgrade" in group.commands)
homes = {command.callback.__module__ for command in group.commands.values()}
print(all(home in loaded() for home in homes), len(homes) >= 8)
""")
    before, found, after_lookup, counts, after_listing = out.splitlines()
    assert before == str(["flask_remodel.cli._boundary", "flask_remodel.cli._options",
                          "flask_remodel.cli.group"])
    assert found == "heads"
    assert after_lookup == str(["flask_remodel.cli._boundary", "flask_remodel.cli._options",
                                "flask_remodel.cli.group", "flask_remodel.cli.inspecting"])
    assert counts.split()[1] == "True" and int(counts.split()[0]) >= 20
    assert after_listing == "True True"  # squashing, graphing, testing... came with the listing


def test_every_command_is_in_the_registry() -> None:
    # flask_remodel.cli lists the group's commands once; a command a module
    # defines but the registry leaves out would silently be missing.
    out = _run("""
import click
import flask_remodel.cli as registry
from flask_remodel.cli import deploying, graphing, inspecting, linting, running, squashing
from flask_remodel.cli import testing, writing
modules = (deploying, graphing, inspecting, linting, running, squashing, testing, writing)
defined = {value for module in modules for value in vars(module).values()
           if isinstance(value, click.Command) and value.callback.__module__ == module.__name__}
listed = {getattr(registry, name) for name in registry.__all__} - {registry.db}
print(defined == listed, len(listed), sorted(c.name for c in defined ^ listed))
""")
    same, count, _ = out.split(" ", 2)
    assert same == "True" and int(count) == 23, out


def test_every_public_name_resolves_to_its_definition() -> None:
    _run("""
import sys
import flask_remodel
assert "alembic" not in sys.modules
# Subpackages of the same name must not hide the API functions, whichever
# is imported first.
import flask_remodel.revision_index.index, flask_remodel.lint.model
from flask_remodel import history, lint
from flask_remodel.api.inspecting import history as defined_history
from flask_remodel.api.linting import lint as defined_lint
assert history is defined_history and lint is defined_lint
from flask_remodel import upgrade, Config, Migrate, catch_errors
from flask_remodel.api.upgrading import upgrade as defined_upgrade
from flask_remodel.config import Config as defined_config
assert upgrade is defined_upgrade and Config is defined_config
assert set(flask_remodel.__all__) <= set(dir(flask_remodel))
for name in flask_remodel.__all__:
    getattr(flask_remodel, name)
""")


def test_unknown_name_is_an_attribute_error() -> None:
    import flask_remodel

    with pytest.raises(AttributeError, match="no_such_name"):
        flask_remodel.no_such_name  # type: ignore[attr-defined]  # noqa: B018


def test_python_api_registers_rebuilds_and_online_operations_first(tmp_path: Path) -> None:
    # Flask-Migrate's own env.py imports nothing from Flask-Remodel, so only the
    # command function can have registered what the revision below uses.
    flask_migrate = pytest.importorskip("flask_migrate")
    template = Path(flask_migrate.__file__).parent / "templates" / "flask"
    folder = tmp_path / "migrations"
    (folder / "versions").mkdir(parents=True)
    shutil.copy(template / "env.py", folder / "env.py")
    shutil.copy(template / "script.py.mako", folder / "script.py.mako")
    shutil.copy(template / "alembic.ini.mako", folder / "alembic.ini")
    (folder / "versions" / "a1_items.py").write_text(textwrap.dedent('''
        """items"""
        import sqlalchemy as sa
        from alembic import op

        revision = "a1"
        down_revision = None
        branch_labels = None
        depends_on = None


        def upgrade():
            op.create_table("item", sa.Column("id", sa.Integer, primary_key=True),
                            sa.Column("name", sa.String(20), nullable=True))
            # Outside a batch block: SQLite needs Flask-Remodel's table rebuild.
            op.alter_column("item", "name", existing_type=sa.String(20), nullable=False)
            op.create_index_online("ix_item_name", "item", ["name"])


        def downgrade():
            op.drop_table("item")
    '''))
    url = f"sqlite:///{tmp_path / 'app.db'}"
    out = _run(APP.format(url=url, folder=str(folder)) + """
import flask_remodel
import sqlalchemy as sa
with app.app_context():
    flask_remodel.upgrade()
    found = sa.inspect(db.engine)
    print([c["nullable"] for c in found.get_columns("item") if c["name"] == "name"])
    print([i["name"] for i in found.get_indexes("item")])
""", cwd=tmp_path)
    assert out.splitlines() == ["[False]", "['ix_item_name']"]


def test_pytest_plugin_loads_without_alembic(tmp_path: Path) -> None:
    # The plugin comes through its pytest11 entry point; the fixtures as a
    # project loads them. Neither may cost a test that uses no fixture of theirs.
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["flask_remodel.testing.fixtures"]\n')
    (tmp_path / "test_probe.py").write_text(textwrap.dedent("""
        import sys

        def test_probe():
            assert "flask_remodel.testing.pytest_plugin" in sys.modules
            assert "flask_remodel.testing.fixtures" in sys.modules
            assert "alembic" not in sys.modules
    """))
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_DISABLE_PLUGIN_AUTOLOAD"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_probe.py"],
        capture_output=True, text=True, cwd=tmp_path, env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_heads_history_current_and_a_no_op_upgrade_of_a_plain_history_skip_alembic(
    tmp_path: Path,
) -> None:
    # The fast path's four commands, then the listings that run on Alembic's
    # graph over the index (they import Alembic, not the revision files).
    app = APP.format(url=f"sqlite:///{tmp_path / 'app.db'}", folder=str(tmp_path / "migrations"))
    _run(app + """
import flask_remodel
with app.app_context():
    flask_remodel.init()
    flask_remodel.revision(message="first", rev_id="aaa001")
    flask_remodel.revision(message="second", rev_id="bbb002")
    flask_remodel.upgrade()
""", cwd=tmp_path)
    out = _run(app + """
runner = app.test_cli_runner()
for args in (["heads"], ["history"], ["upgrade"], ["current"], ["branches"], ["show", "head"]):
    result = runner.invoke(args=["db", *args])
    assert result.exit_code == 0, (args, result.output)
    print(repr(result.output), "alembic" in sys.modules)
""", cwd=tmp_path)
    lines = out.splitlines()
    assert [line.rsplit(" ", 1)[1] for line in lines[:4]] == ["False"] * 4, out
    heads, history, upgrade, current, branches, show = (line.rsplit(" ", 1)[0] for line in lines)
    assert current == repr("bbb002 (head)\n")
    assert heads == repr("bbb002 (head)\n")
    assert history.startswith(repr("aaa001 -> bbb002 (head), second\n")[:-1])
    assert branches == repr("")
    assert show.startswith(repr("Rev: bbb002 (head)\n")[:-1])
    assert upgrade == repr("Nothing to do: the database is already there.\n")
