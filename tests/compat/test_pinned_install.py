"""Installing Flask-Remodel into an app pinned to the oldest supported releases changes nothing.

An app on Flask 2.2, Flask-SQLAlchemy 2.5, SQLAlchemy 1.4 and Alembic 1.16
runs ``pip install flask-remodel``: pip must find those pins good enough and
leave them alone (a floor of Alembic 1.18 made it pull Alembic 1.20, which
needs SQLAlchemy 2.0, and the app broke). Here a fresh venv gets the pins
first, then Flask-Remodel from this checkout, built and resolved as from an
index (no ``--no-deps``), and a tiny app runs ``flask db init``, ``migrate``
and ``upgrade`` in it.

The venv is made once for the module, with the running venv's pip
(``pip --python``), whose own cache keeps the downloads between runs. When
PyPI cannot be reached the test is skipped (failed under ``CI=true``). It
runs in the main leg only: the minimum-versions leg is this install already,
and it builds its own venv.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
import venv
from pathlib import Path

import pytest

from support.databases import in_ci

pytestmark = pytest.mark.needs_latest

CHECKOUT = Path(__file__).resolve().parents[2]

# The app of the issue. Alembic is the floor pyproject.toml promises: raising
# that floor makes pip replace it, and this test fail.
PINS = {
    "Flask": "2.2.5",
    "Werkzeug": "2.2.3",
    "Flask-SQLAlchemy": "2.5.1",
    "SQLAlchemy": "1.4.54",
    "alembic": "1.16.5",
}

APP = """
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_remodel import Migrate

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///{database}"
app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = False
db = SQLAlchemy(app)
migrate = Migrate(app, db)


class User(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(80), nullable=False)
"""


def _pip(python: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "--disable-pip-version-check",
         *args],
        capture_output=True, text=True, timeout=900, check=False,
    )


def _output(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"


def _installed(python: Path) -> dict[str, str]:
    """Name (lower case) to version of every distribution in the venv."""
    script = (
        "import importlib.metadata as m, json;"
        "print(json.dumps({d.metadata['Name'].lower(): d.version for d in m.distributions()}))"
    )
    result = subprocess.run(
        [str(python), "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    found: dict[str, str] = json.loads(result.stdout)
    return found


class PinnedVenv:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.python = root / "venv" / "bin" / "python"
        self.before: dict[str, str] = {}
        self.after: dict[str, str] = {}
        self.install_log = ""

    def run(self, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "PYTHON"))}
        env["FLASK_APP"] = "app"
        return subprocess.run(
            [str(self.python), *args], cwd=cwd, env=env,
            capture_output=True, text=True, timeout=300, check=False,
        )


@pytest.fixture(scope="module")
def pinned(tmp_path_factory: pytest.TempPathFactory) -> PinnedVenv:
    made = PinnedVenv(tmp_path_factory.mktemp("pinned-install"))
    # No pip inside: the running venv's pip installs into it (--python).
    venv.EnvBuilder(with_pip=False).create(made.root / "venv")
    pins = [f"{name}=={version}" for name, version in PINS.items()]
    first = _pip(made.python, "install", "-q", *pins)
    if first.returncode != 0:
        message = f"cannot install the pinned app from PyPI: {_output(first)}"
        if in_ci():
            pytest.fail(f"{message} [CI=true]", pytrace=False)
        pytest.skip(message)
    made.before = _installed(made.python)
    # As a user would: resolved by pip, built from the sources (not editable).
    second = _pip(made.python, "install", str(CHECKOUT))
    made.install_log = _output(second)
    assert second.returncode == 0, made.install_log
    made.after = _installed(made.python)
    return made


def test_the_pins_were_what_the_app_had(pinned: PinnedVenv) -> None:
    for name, version in PINS.items():
        assert pinned.before.get(name.lower()) == version, (name, pinned.before)


def test_installing_flask_remodel_changes_no_installed_release(pinned: PinnedVenv) -> None:
    assert "flask-remodel" in pinned.after, pinned.install_log
    changed = {
        name: (version, pinned.after.get(name))
        for name, version in pinned.before.items()
        if pinned.after.get(name) != version
    }
    assert changed == {}, pinned.install_log
    for name, version in PINS.items():
        assert pinned.after[name.lower()] == version


def test_flask_remodel_imports_beside_flask_sqlalchemy_2_5(pinned: PinnedVenv) -> None:
    script = (
        "import flask_remodel; from flask_sqlalchemy import SQLAlchemy;"
        "import flask_remodel.autogenerate.plugin; print(flask_remodel.alembic_version)"
    )
    result = pinned.run("-c", script, cwd=pinned.root)
    assert result.returncode == 0, _output(result)
    assert result.stdout.strip() == "(1, 16, 5)"


def test_init_migrate_upgrade_on_sqlite(pinned: PinnedVenv) -> None:
    project = pinned.root / "project"
    project.mkdir()
    database = project / "app.db"
    (project / "app.py").write_text(textwrap.dedent(APP).format(database=database))

    for args in (["init"], ["migrate", "-m", "add users"], ["upgrade"]):
        result = pinned.run("-m", "flask", "db", *args, cwd=project)
        assert result.returncode == 0, (args, _output(result))

    [script] = (project / "migrations" / "versions").glob("*_add_users.py")
    assert "op.create_table('user'" in script.read_text()
    connection = sqlite3.connect(database)
    try:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        [(head,)] = connection.execute("SELECT version_num FROM alembic_version")
    finally:
        connection.close()
    assert {"user", "alembic_version"} <= tables
    assert script.name.startswith(head)
