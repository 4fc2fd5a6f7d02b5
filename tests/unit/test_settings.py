"""``flask_remodel.settings``: every ``REMODEL_*`` key declared once, checked as a whole.

Without an app: the declarations, each key's parsing and its one error, the
warning for an unknown key, the generated documentation, and that nothing
else reads a ``REMODEL_*`` key (see tests/cli/test_app_settings.py for commands).
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import FrozenInstanceError
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from flask_remodel.errors import ConfigurationError
from flask_remodel.errors import SettingsError
from flask_remodel.online import LockPolicy
from flask_remodel.online import LockPolicyError
from flask_remodel.settings import DOCS_END
from flask_remodel.settings import DOCS_START
from flask_remodel.settings import ENVIRONMENT_ONLY
from flask_remodel.settings import RemodelSettings
from flask_remodel.settings import SettingsWarning
from flask_remodel.settings import declarations
from flask_remodel.settings import docs_section
from flask_remodel.settings import snapshot
from flask_remodel.settings import unknown_keys
from flask_remodel.settings import with_docs_section

SOURCE = Path(__file__).parents[2] / "src" / "flask_remodel"
CONFIGURATION_PAGE = Path(__file__).parents[2] / "docs" / "configuration.md"


def _build(config: dict[str, Any], environ: dict[str, str] | None = None) -> RemodelSettings:
    return RemodelSettings.from_config(config, environ or {})


def test_defaults() -> None:
    settings = _build({})
    assert settings == RemodelSettings()
    assert (settings.lint, settings.lint_baseline, settings.online) == ("warn", None, None)
    assert (settings.lint_disable, settings.lint_enable) == ((), ())
    assert (settings.lock_timeout, settings.lock_retries) == (50, 10)
    assert (settings.lock_retry_delay, settings.statement_timeout) == (100, 0)
    assert settings.lock_wait == 600.0 and settings.backup_dir == Path("backups")
    with pytest.raises(FrozenInstanceError):
        settings.lint = "off"  # type: ignore[misc]


def test_every_field_declares_one_key_with_its_documentation() -> None:
    declared = declarations()
    assert len(declared) == len(fields(RemodelSettings))
    keys = [d.key for d in declared]
    assert len(set(keys)) == len(keys)
    for d in declared:
        assert d.key.startswith("REMODEL_") and d.key.isupper()
        assert d.doc and "\n" not in d.doc and d.accepts and d.default
        # The example the error message suggests is itself accepted.
        d.parse(ast.literal_eval(d.example))
        assert d.environment in (None, d.key)


# (key, value in app.config, field, parsed value)
GOOD = [
    ("REMODEL_LINT", "off", "lint", "off"),
    ("REMODEL_LINT", " Error ", "lint", "error"),
    ("REMODEL_LINT", "", "lint", "warn"),  # "" and None leave a key unset
    ("REMODEL_LINT", None, "lint", "warn"),
    ("REMODEL_LINT_BASELINE", "1a2b", "lint_baseline", "1a2b"),
    ("REMODEL_LINT_DISABLE", "RM201, RM303 drop-column", "lint_disable",
     ("RM201", "RM303", "drop-column")),
    ("REMODEL_LINT_DISABLE", ["RM511"], "lint_disable", ("RM511",)),
    ("REMODEL_LINT_ENABLE", ("RM601", "prefer-timestamptz"), "lint_enable",
     ("RM601", "prefer-timestamptz")),
    ("REMODEL_LOCK_TIMEOUT", 0, "lock_timeout", 0),
    ("REMODEL_LOCK_TIMEOUT", "250", "lock_timeout", 250),
    ("REMODEL_LOCK_RETRIES", 3, "lock_retries", 3),
    ("REMODEL_LOCK_RETRY_DELAY", "700", "lock_retry_delay", 700),
    ("REMODEL_STATEMENT_TIMEOUT", 300, "statement_timeout", 300),
    ("REMODEL_ONLINE", True, "online", True),
    ("REMODEL_ONLINE", False, "online", False),
    ("REMODEL_ONLINE", None, "online", None),
    ("REMODEL_LOCK_WAIT", 0, "lock_wait", 0.0),
    ("REMODEL_LOCK_WAIT", "2.5", "lock_wait", 2.5),
    ("REMODEL_BACKUP_DIR", "/var/backups/app", "backup_dir", Path("/var/backups/app")),
    ("REMODEL_BACKUP_DIR", Path("dumps"), "backup_dir", Path("dumps")),
]


@pytest.mark.parametrize(("key", "value", "name", "parsed"), GOOD)
def test_each_key_accepts(key: str, value: object, name: str, parsed: object) -> None:
    assert getattr(_build({key: value}), name) == parsed


# (key, a value it refuses, what the message says it accepts)
BAD = [
    ("REMODEL_LINT", "eror", "one of off, warn, error"),
    ("REMODEL_LINT", False, "one of off, warn, error"),
    ("REMODEL_LINT_BASELINE", 12, "a revision id (a string)"),
    ("REMODEL_LINT_DISABLE", 511, "a list of rule ids or slugs"),
    ("REMODEL_LINT_ENABLE", ["RM601", 6], "a list of rule ids or slugs"),
    ("REMODEL_LOCK_TIMEOUT", -5, "a whole number of milliseconds, 0 or more"),
    ("REMODEL_LOCK_TIMEOUT", 1.5, "a whole number of milliseconds, 0 or more"),
    ("REMODEL_LOCK_RETRIES", "many", "a whole number, 0 or more"),
    ("REMODEL_LOCK_RETRY_DELAY", True, "a whole number of milliseconds, 0 or more"),
    ("REMODEL_STATEMENT_TIMEOUT", "5s", "a whole number of milliseconds, 0 or more"),
    ("REMODEL_ONLINE", "yes", "True or False"),
    ("REMODEL_ONLINE", 1, "True or False"),
    ("REMODEL_LOCK_WAIT", "soon", "a number of seconds, 0 or more"),
    ("REMODEL_LOCK_WAIT", -1, "a number of seconds, 0 or more"),
    ("REMODEL_LOCK_WAIT", float("nan"), "a number of seconds, 0 or more"),
    ("REMODEL_BACKUP_DIR", 3, "a folder (a string or a path)"),
]


@pytest.mark.parametrize(("key", "value", "accepts"), BAD)
def test_each_key_refuses_with_one_clear_error(key: str, value: object, accepts: str) -> None:
    with pytest.raises(SettingsError) as caught:
        _build({key: value})
    error = caught.value
    assert isinstance(error, ConfigurationError) and error.exit_code == 3
    assert (error.key, error.source) == (key, "app.config")
    assert error.value == value or value != value  # nan
    assert error.accepts.startswith(accepts)
    assert str(error).startswith(f"{key} = {value!r} is not {accepts}")
    assert f"set app.config[{key!r}] = " in str(error) and "for the default" in str(error)


def test_the_message_of_the_issue() -> None:
    with pytest.raises(SettingsError) as caught:
        _build({"REMODEL_LINT": "eror"})
    assert str(caught.value) == (
        "REMODEL_LINT = 'eror' is not one of off, warn, error: set "
        "app.config['REMODEL_LINT'] = 'warn', or leave it out for the default (\"warn\")."
    )


def test_environment_variables_are_read_when_the_config_leaves_the_key_unset() -> None:
    environ = {"REMODEL_LOCK_WAIT": "30", "REMODEL_BACKUP_DIR": "/srv/dumps"}
    settings = _build({}, environ)
    assert (settings.lock_wait, settings.backup_dir) == (30.0, Path("/srv/dumps"))
    settings = _build({"REMODEL_LOCK_WAIT": 5, "REMODEL_BACKUP_DIR": "mine"}, environ)
    assert (settings.lock_wait, settings.backup_dir) == (5.0, Path("mine"))
    assert _build({"REMODEL_LOCK_WAIT": None}, environ).lock_wait == 30.0
    assert _build({}, {"REMODEL_LOCK_WAIT": ""}).lock_wait == 600.0
    # Only keys that declare a variable read one.
    assert _build({}, {"REMODEL_LINT": "off"}).lint == "warn"
    with pytest.raises(SettingsError) as caught:
        _build({}, {"REMODEL_LOCK_WAIT": "soon"})
    assert caught.value.source == "environment"
    assert str(caught.value) == (
        "REMODEL_LOCK_WAIT = 'soon' (from the environment) is not a number of seconds, "
        "0 or more: set the environment variable REMODEL_LOCK_WAIT to e.g. 120, or unset "
        "it for the default (600)."
    )


def test_an_unknown_key_warns_once_naming_the_closest_one() -> None:
    with pytest.warns(SettingsWarning) as caught:
        settings = _build({"REMODEL_LNT": "off", "REMODEL_LINT": "error", "OTHER": 1})
    assert [str(w.message) for w in caught] == [
        "app.config['REMODEL_LNT'] is not a Flask-Remodel setting: did you mean REMODEL_LINT?"
    ]
    assert settings.lint == "error"  # the known key still counts


@pytest.mark.parametrize(
    ("key", "hint"),
    [
        ("REMODEL_LOCK_TIMOUT", "did you mean REMODEL_LOCK_TIMEOUT?"),
        ("REMODEL_LOCKWAIT", "did you mean REMODEL_LOCK_WAIT?"),
        ("REMODEL_BACKUPDIR", "did you mean REMODEL_BACKUP_DIR?"),
        ("REMODEL_LINT_DISABLED", "did you mean REMODEL_LINT_DISABLE?"),
        ("REMODEL_ZZZZZZ", "see docs/configuration.md."),  # the shared prefix is no match
        ("REMODEL_PG_DUMP", "REMODEL_PG_DUMP is an environment variable"),
    ],
)
def test_unknown_key_hints(key: str, hint: str) -> None:
    (message,) = unknown_keys({key: 1})
    assert message.startswith(f"app.config[{key!r}] is not ")
    assert hint in message


def test_known_keys_do_not_warn() -> None:
    config = {d.key: None for d in declarations()}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _build(config)
    assert unknown_keys(config) == []


def test_snapshot_sees_every_change_that_matters() -> None:
    disabled = ["RM201"]
    config: dict[str, Any] = {"REMODEL_LINT_DISABLE": disabled, "SECRET_KEY": "x"}
    before = snapshot(config, {})
    assert snapshot(config, {}) == before
    assert snapshot({**config, "SECRET_KEY": "y"}, {}) == before  # not a REMODEL_* key
    disabled.append("RM303")  # changed in place
    assert snapshot(config, {}) != before
    assert snapshot(config, {"REMODEL_LOCK_WAIT": "5"}) != snapshot(config, {})
    assert snapshot(config, {"REMODEL_OTHER": "5"}) == snapshot(config, {})


def test_lock_policy_reads_the_same_declarations() -> None:
    config = {"REMODEL_LOCK_TIMEOUT": "80", "REMODEL_LOCK_RETRIES": 2,
              "REMODEL_LOCK_RETRY_DELAY": 10, "REMODEL_STATEMENT_TIMEOUT": 9}
    assert LockPolicy.from_settings(_build(config)) == LockPolicy.from_config(config)
    assert LockPolicy.from_config(config) == LockPolicy(80, 2, 10, 9)
    # from_config (plain Alembic env.py files) reads its four keys only.
    assert LockPolicy.from_config({"REMODEL_LINT": "eror"}) == LockPolicy()
    with pytest.raises(LockPolicyError) as caught:
        LockPolicy.from_config({"REMODEL_LOCK_RETRIES": "many"})
    assert isinstance(caught.value, SettingsError) and caught.value.key == "REMODEL_LOCK_RETRIES"


# docs/configuration.md


def test_configuration_page_lists_every_key_as_declared() -> None:
    page = CONFIGURATION_PAGE.read_text(encoding="utf-8")
    assert with_docs_section(page) == page, (
        "docs/configuration.md is stale: run 'python -m flask_remodel.settings'"
    )


def test_the_generated_section_has_one_row_per_key() -> None:
    section = docs_section()
    for d in declarations():
        row = next(line for line in section.splitlines() if line.startswith(f"| `{d.key}` |"))
        assert d.doc in row and d.accepts in row and d.default in row
        assert (f"`{d.environment}`" in row) == (d.environment is not None)
    assert "`REMODEL_PG_DUMP`" in section and "`REMODEL_MYSQL_DUMP`" in section


def test_a_stale_page_is_noticed() -> None:
    page = f"# Configuration\n\n{docs_section()}\n\n## Logging\n"
    assert with_docs_section(page) == page
    edited = page.replace("| `REMODEL_LINT` |", "| `REMODEL_LINTING` |")
    assert with_docs_section(edited) == page != edited
    shortened = page.replace(next(line for line in page.splitlines()
                                  if line.startswith("| `REMODEL_ONLINE`")) + "\n", "")
    assert with_docs_section(shortened) != shortened
    with pytest.raises(ValueError, match="no"):
        with_docs_section(page.replace(DOCS_END, ""))
    with pytest.raises(ValueError, match="no"):
        with_docs_section(page.replace(DOCS_START, ""))


def test_the_docs_name_only_keys_that_exist() -> None:
    known = {d.key for d in declarations()} | set(ENVIRONMENT_ONLY)
    examples = {"REMODEL_LNT"}  # the misspelt key configuration.md shows the warning for
    for page in sorted(CONFIGURATION_PAGE.parent.glob("*.md")):
        # The test suite's own variables (REMODEL_TEST_BACKENDS, REMODEL_REAL_APPS)
        # are documented where a contributor needs them.
        if page.name in ("real-apps.md", "adding-a-database.md"):
            continue
        for name in re.findall(r"REMODEL_[A-Z0-9_]*\*?", page.read_text(encoding="utf-8")):
            if name.endswith(("_", "*")):
                assert any(k.startswith(name.rstrip("*")) for k in known), (page.name, name)
            else:
                assert name in known | examples, (page.name, name)


# Nothing but flask_remodel/settings.py reads a REMODEL_* key.


def _names_a_key(node: ast.AST | None) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and node.value.startswith("REMODEL_")
    if isinstance(node, ast.JoinedStr) and node.values:
        return _names_a_key(node.values[0])
    return False


def _reads(tree: ast.AST) -> list[int]:
    """Lines of *tree* that read a ``REMODEL_*`` key from a mapping or the environment.

    ``x["REMODEL_..."]``, ``x.get("REMODEL_...")`` (``pop``, ``setdefault``,
    ``getenv`` too) and ``"REMODEL_..." in x``.
    """
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and _names_a_key(node.slice):
            lines.append(node.lineno)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("get", "pop", "setdefault", "getenv", "__getitem__")
            and node.args
            and _names_a_key(node.args[0])
        ):
            lines.append(node.lineno)
        elif (
            isinstance(node, ast.Compare)
            and _names_a_key(node.left)
            and any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops)
        ):
            lines.append(node.lineno)
    return lines


def test_the_reader_check_finds_each_way_of_reading_a_key() -> None:
    code = """
current_app.config.get("REMODEL_LINT", "warn")
app.config["REMODEL_ONLINE"]
os.environ.get("REMODEL_LOCK_WAIT")
os.getenv(f"REMODEL_{name}")
"REMODEL_BACKUP_DIR" in config
raise Error("set REMODEL_LINT to off")
config.get("SQLALCHEMY_BINDS")
"""
    assert _reads(ast.parse(code)) == [2, 3, 4, 5, 6]


def test_only_the_settings_module_reads_remodel_keys() -> None:
    found = {}
    for path in sorted(SOURCE.rglob("*.py")):
        if path == SOURCE / "settings.py":
            continue
        lines = _reads(ast.parse(path.read_text(encoding="utf-8")))
        if lines:
            found[str(path.relative_to(SOURCE))] = lines
    assert found == {}, "read REMODEL_* keys through flask_remodel.settings.RemodelSettings"
