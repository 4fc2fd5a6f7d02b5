"""What ``context.configure`` gets: env.py's keys win, Flask-Remodel's hooks wrap, none collide.

The env.py files themselves (every Flask-Migrate release's, and hand-edited
ones) run end to end on the three databases in ``tests/compat``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_remodel import Migrate
from flask_remodel.context_options import context_options
from flask_remodel.context_options import merged_arguments
from flask_remodel.deploy.tables import LEDGER_TABLE
from flask_remodel.extension import MigrateState

pytestmark = pytest.mark.needs_latest


class _Connection:
    """Enough of a SQLAlchemy connection for the options: its dialect's name."""

    def __init__(self, name: str) -> None:
        self.dialect = type("Dialect", (), {"name": name})()


def _state(**migrate_kwargs: Any) -> Iterator[MigrateState]:
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    db = SQLAlchemy(app)
    Migrate(app, db, **migrate_kwargs)
    with app.app_context():
        state = app.extensions["migrate"]
        assert isinstance(state, MigrateState)
        yield state


@pytest.fixture
def state() -> Iterator[MigrateState]:
    yield from _state()


def test_configure_args_leaves_every_key_to_an_old_env_py(state: MigrateState) -> None:
    # Flask-Migrate's templates before 4.0.5 pass this one next to **configure_args.
    def configure(**kwargs: Any) -> dict[str, Any]:
        return kwargs

    def own_hook(context: Any, revision: Any, directives: list[Any]) -> None:
        pass

    passed = configure(process_revision_directives=own_hook, **state.configure_args)
    assert passed == {"process_revision_directives": own_hook}
    # Nor do Migrate's own defaults sit there, for env.py files that pass them by hand.
    for name in ("compare_type", "render_as_batch", "include_object", "on_version_apply"):
        assert name not in state.configure_args


def test_app_arguments_are_kept_and_env_py_keys_win() -> None:
    for state in _state(compare_type=False, render_as_batch=True, transaction_per_migration=False):
        assert state.configure_args == {
            "compare_type": False, "render_as_batch": True, "transaction_per_migration": False,
        }
        connection = _Connection("postgresql")
        options = context_options(state, {"connection": connection})
        assert options["compare_type"] is False and options["render_as_batch"] is True
        assert options["transaction_per_migration"] is False
        options = context_options(state, {"connection": connection, "render_as_batch": False})
        assert options["render_as_batch"] is False


def test_defaults_follow_the_database(state: MigrateState) -> None:
    on_sqlite = context_options(state, {"connection": _Connection("sqlite")})
    on_postgresql = context_options(state, {"connection": _Connection("postgresql")})
    assert on_sqlite["render_as_batch"] is True and on_postgresql["render_as_batch"] is False
    assert on_sqlite["transaction_per_migration"] is True
    assert on_sqlite["compare_type"] is True
    assert on_postgresql["compare_server_default"] is True
    # Old env.py files reach SQLite through connections that run real transactions.
    assert on_sqlite["transactional_ddl"] is True
    assert "transactional_ddl" not in on_postgresql
    offline = context_options(state, {"url": "mysql+pymysql://u:p@h/db"})
    assert offline["render_as_batch"] is False and offline["on_version_apply"] is None


def test_env_py_hooks_are_wrapped_not_replaced(state: MigrateState) -> None:
    calls: list[str] = []

    def own_directives(context: Any, revision: Any, directives: list[Any]) -> None:
        calls.append("directives")

    def own_include_name(name: Any, type_: str, parents: dict[str, Any]) -> bool:
        calls.append(f"include {name}")
        return name != "hidden"

    def own_version_hook(**kwargs: Any) -> None:
        pass

    options = context_options(state, {
        "connection": _Connection("sqlite"),
        "process_revision_directives": own_directives,
        "include_name": own_include_name,
        "on_version_apply": own_version_hook,
    })
    options["process_revision_directives"](None, None, [])  # an emptied autogenerate
    assert calls == []
    options["process_revision_directives"](None, None, ["script"])
    assert calls == ["directives"]
    include = options["include_name"]
    assert include("users", "table", {}) and not include("hidden", "table", {})
    # The deploy ledger is Flask-Remodel's: autogenerate must never offer to drop it.
    assert not include(LEDGER_TABLE, "table", {})
    assert own_version_hook in options["on_version_apply"]
    assert len(options["on_version_apply"]) == 2


def test_merging_twice_wraps_once(state: MigrateState) -> None:
    seen: list[int] = []

    def hook(context: Any, revision: Any, directives: list[Any]) -> None:
        seen.append(len(directives))

    first = context_options(state, {"connection": _Connection("sqlite"),
                                    "process_revision_directives": hook})
    again = context_options(state, first)
    assert again["process_revision_directives"] is first["process_revision_directives"]
    assert again["on_version_apply"] == first["on_version_apply"]


def test_plain_alembic_outside_a_flask_remodel_app_is_left_alone() -> None:
    given = {"url": "sqlite://", "compare_type": False}
    assert merged_arguments(given) is given
    app = Flask(__name__)
    with app.app_context():  # an app without Flask-Remodel
        assert merged_arguments(given) is given
