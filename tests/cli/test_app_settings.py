"""The app's ``REMODEL_*`` settings: checked at the first command, whichever it is.

One ``Error:`` line (exit 3) for a bad value, from ``flask db current`` as
much as from ``flask db upgrade`` and from the Python API; one ``Warning:``
line for a key Flask-Remodel does not know; the checked settings kept on the
extension state until the config changes.
"""

from __future__ import annotations

import pytest

import flask_remodel
from flask_remodel import cli as cli_package
from flask_remodel.errors import SettingsError
from flask_remodel.extension import MigrateState
from flask_remodel.settings import SettingsWarning
from flask_remodel.settings import declarations
from support.apps import AppFactory
from support.apps import MadeApp

pytestmark = pytest.mark.backends("sqlite")

#: Every flask db command, from the package's one registry of them.
COMMANDS = sorted(name.replace("_", "-") for name in cli_package.__all__ if name != "db")

#: One value each key refuses.
BAD: dict[str, object] = {
    "REMODEL_LINT": "eror",
    "REMODEL_LINT_BASELINE": 12,
    "REMODEL_LINT_DISABLE": 511,
    "REMODEL_LINT_ENABLE": ["RM601", 6],
    "REMODEL_LOCK_TIMEOUT": -5,
    "REMODEL_LOCK_RETRIES": "many",
    "REMODEL_LOCK_RETRY_DELAY": 1.5,
    "REMODEL_STATEMENT_TIMEOUT": "5s",
    "REMODEL_ONLINE": "yes",
    "REMODEL_LOCK_WAIT": "soon",
    "REMODEL_BACKUP_DIR": 3,
    "REMODEL_FLEET": ["sqlite:///tenant.db"],
}

#: Arguments for the commands that require some (never used: the check comes first).
ARGS = {"resolve": ["r1"], "squash": ["r1", "r2"]}


def _lines(output: str, start: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(start)]


def _ready(make_app: AppFactory) -> MadeApp:
    made = make_app()
    made.ok("init")
    return made


def test_every_key_has_a_bad_value_here() -> None:
    assert sorted(BAD) == sorted(d.key for d in declarations())


@pytest.mark.parametrize("key", sorted(BAD))
def test_a_bad_value_stops_a_read_only_command(make_app: AppFactory, key: str) -> None:
    made = _ready(make_app)
    made.app.config[key] = BAD[key]
    result = made.cli("current")
    assert result.exit_code == 3, result.output
    (error,) = _lines(result.output, "Error: ")
    assert error.startswith(f"Error: {key} = {BAD[key]!r} is not ")
    with made.app.app_context(), pytest.raises(SettingsError) as caught:
        flask_remodel.current()
    assert (caught.value.key, caught.value.value) == (key, BAD[key])


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_checks_the_settings_before_it_runs(
    make_app: AppFactory, command: str
) -> None:
    made = _ready(make_app)
    made.app.config["REMODEL_LINT"] = "eror"
    result = made.cli(command, *ARGS.get(command, []))
    assert result.exit_code == 3, result.output
    assert _lines(result.output, "Error: ") == [
        "Error: REMODEL_LINT = 'eror' is not one of off, warn, error: set "
        "app.config['REMODEL_LINT'] = 'warn', or leave it out for the default (\"warn\")."
    ]


def test_a_bad_environment_variable_stops_a_read_only_command(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = _ready(make_app)
    monkeypatch.setenv("REMODEL_LOCK_WAIT", "soon")
    result = made.cli("heads")
    assert result.exit_code == 3
    assert "REMODEL_LOCK_WAIT = 'soon' (from the environment)" in result.output
    made.app.config["REMODEL_LOCK_WAIT"] = 30  # the app's config wins
    made.ok("heads")


def test_an_unknown_key_is_one_warning_line(make_app: AppFactory) -> None:
    made = _ready(make_app)
    made.app.config["REMODEL_LNT"] = "off"
    result = made.ok("heads")
    assert _lines(result.output, "Warning: ") == [
        "Warning: app.config['REMODEL_LNT'] is not a Flask-Remodel setting: "
        "did you mean REMODEL_LINT?"
    ]
    # Said once for this config, not at every command.
    assert _lines(made.ok("heads").output, "Warning: ") == []


def test_an_unknown_key_warns_in_the_python_api(make_app: AppFactory) -> None:
    made = _ready(make_app)
    made.app.config["REMODEL_LOCK_TIMOUT"] = 100
    with made.app.app_context(), pytest.warns(SettingsWarning, match="REMODEL_LOCK_TIMEOUT\\?"):
        assert flask_remodel.heads() == []


def test_settings_are_kept_until_the_config_changes(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = _ready(make_app)
    state = made.app.extensions["migrate"]
    assert isinstance(state, MigrateState)
    with made.app.app_context():
        first = state.settings
        assert state.settings is first
        assert first.lint == "warn"
    made.app.config["REMODEL_LINT"] = "off"
    with made.app.app_context():
        assert state.settings.lint == "off"
    made.app.config["REMODEL_LINT"] = "sometimes"
    assert made.cli("current").exit_code == 3
    assert made.cli("current").exit_code == 3  # every time, until it is fixed
    made.app.config["REMODEL_LINT"] = "error"
    made.ok("current")
    monkeypatch.setenv("REMODEL_BACKUP_DIR", "/srv/dumps")
    with made.app.app_context():
        assert state.settings.lint == "error"
        assert str(state.settings.backup_dir) == "/srv/dumps"
