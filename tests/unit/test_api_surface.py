"""The public names and parameters match Flask-Migrate 4.1's, except where we fixed a bug."""

import inspect

import click
import pytest

import flask_remodel

flask_migrate = pytest.importorskip("flask_migrate")

COMMANDS = [
    "init", "list_templates", "revision", "migrate", "edit", "merge", "upgrade", "downgrade",
    "show", "history", "heads", "branches", "current", "stamp", "check",
]

# Deliberate differences, each a Flask-Migrate bug fixed (see docs/switching-from-flask-migrate.md).
CHANGED_DEFAULTS = {
    ("edit", "revision"): "head",  # B9: the API said 'current' while the CLI said 'head'
    ("Migrate", "render_as_batch"): None,  # batch mode only where the database is SQLite
    ("init_app", "render_as_batch"): None,
}


def _parameters(func: object) -> dict[str, inspect.Parameter]:
    return dict(inspect.signature(func).parameters)  # type: ignore[arg-type]


@pytest.mark.needs_latest
@pytest.mark.parametrize("name", COMMANDS)
def test_command_function_accepts_every_flask_migrate_parameter(name: str) -> None:
    theirs = _parameters(getattr(flask_migrate, name))
    ours = _parameters(getattr(flask_remodel, name))
    assert list(ours)[: len(theirs)] == list(theirs), "positional order must match"
    for param, spec in theirs.items():
        expected = CHANGED_DEFAULTS.get((name, param), spec.default)
        assert ours[param].default == expected, f"{name}({param}=...)"


@pytest.mark.needs_latest
@pytest.mark.parametrize(
    ("ours", "theirs", "label"),
    [
        (flask_remodel.Migrate.__init__, "Migrate.__init__", "Migrate"),
        (flask_remodel.Migrate.init_app, "Migrate.init_app", "init_app"),
        (flask_remodel.Migrate.get_config, "Migrate.get_config", "get_config"),
        (flask_remodel.Migrate.configure, "Migrate.configure", "configure"),
        (
            flask_remodel.Migrate.call_configure_callbacks,
            "Migrate.call_configure_callbacks",
            "call_configure_callbacks",
        ),
    ],
)
def test_migrate_methods_match(ours: object, theirs: str, label: str) -> None:
    target = flask_migrate
    for part in theirs.split("."):
        target = getattr(target, part)
    their_params = _parameters(target)
    our_params = _parameters(ours)
    assert list(our_params) == list(their_params)
    for param, spec in their_params.items():
        expected = CHANGED_DEFAULTS.get((label, param), spec.default)
        assert our_params[param].default == expected, f"{label}({param}=...)"


@pytest.mark.needs_latest
def test_every_flask_migrate_command_and_option_exists() -> None:
    from flask_migrate.cli import db as theirs

    from flask_remodel.cli import db as ours
    assert {p.name for p in theirs.params} <= {p.name for p in ours.params}
    for name, command in theirs.commands.items():
        assert name in ours.commands, name
        mine = {p.name: p for p in ours.commands[name].params}
        my_arguments = [p for p in ours.commands[name].params if isinstance(p, click.Argument)]
        their_arguments = [p for p in command.params if isinstance(p, click.Argument)]
        for position, argument in enumerate(their_arguments):
            # A positional argument's name is not part of the interface, but its
            # default is; stamp takes several revisions where Flask-Migrate took one.
            assert my_arguments[position].nargs in (argument.nargs, -1), name
            if my_arguments[position].nargs == argument.nargs:
                assert my_arguments[position].default == argument.default, name
        for param in command.params:
            if isinstance(param, click.Argument):
                continue
            assert param.name in mine, f"{name} {param.name}"
            assert mine[param.name].opts == param.opts, f"{name} {param.name}"
            assert mine[param.name].default == param.default, f"{name} {param.name}"
