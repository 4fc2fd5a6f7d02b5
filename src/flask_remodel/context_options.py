"""The arguments Alembic's ``EnvironmentContext.configure`` gets: computed here, once.

Every env.py ends in ``context.configure(...)``, and no two generations of them
pass the same things. Flask-Migrate's templates before 4.0.5 pass
``process_revision_directives=`` next to ``**configure_args``; hand-edited files
add ``include_object=``, ``compare_type=``, ``render_as_batch=``, or build a
``kwargs`` dict of their own. A key in ``configure_args`` that the file also
passes itself is a ``TypeError`` in Python before Alembic is reached, so
``configure_args`` carries only what the app gave ``Migrate(...)``, and
Flask-Remodel's defaults and hooks are merged into the call itself
(:func:`flask_remodel._alembic.merge_configure_arguments` routes every call
through :func:`merged_arguments`):

* what env.py passes wins over what the app gave ``Migrate(...)``, which wins
  over Flask-Remodel's defaults;
* Flask-Remodel's hooks never replace a hook env.py or the app gave: they wrap
  it (``process_revision_directives``, ``include_name``, ``on_version_apply``,
  ``render_item``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app
from flask import has_app_context
from sqlalchemy.engine import make_url

from .autogenerate import plugin_names
from .autogenerate.enums import render_item_with_existing_enums
from .comparators import server_default_comparison
from .deploy.tables import exclude_own_tables
from .dialects import dialect_for
from .state import MigrateState
from .steps import with_recorder

#: Flask-Remodel's choices where they differ from Alembic's defaults.
REMODEL_DEFAULTS: dict[str, Any] = {
    "transaction_per_migration": True,
    "compare_type": True,
}

# The hooks Flask-Remodel wraps around whatever env.py or the app gives.
_HOOKS = ("process_revision_directives", "include_name", "on_version_apply", "render_item")


def merged_arguments(given: dict[str, Any]) -> dict[str, Any]:
    """The arguments of one ``configure`` call with Flask-Remodel's merged in.

    Outside a Flask app that uses Flask-Remodel (plain Alembic in the same
    process), *given* goes through unchanged.
    """
    if not has_app_context():
        return given
    state = current_app.extensions.get("migrate")
    if not isinstance(state, MigrateState):
        return given
    return context_options(state, given)


def context_options(state: MigrateState, given: dict[str, Any]) -> dict[str, Any]:
    """*given* (env.py's own arguments) completed with the app's and Flask-Remodel's."""
    dialect = _dialect_name(given)
    online = given.get("connection") is not None
    app_args = state.configure_args
    options = {**_defaults(state, dialect, online), **app_args, **given}
    for name in _HOOKS:
        hook = given[name] if given.get(name) is not None else app_args.get(name)
        options[name] = _WRAPPERS[name](hook)
    if not online:
        # Nothing is applied in --sql mode, so there is nothing to record.
        options["on_version_apply"] = given.get("on_version_apply")
    return options


def _defaults(state: MigrateState, dialect: str | None, online: bool) -> dict[str, Any]:
    defaults = dict(REMODEL_DEFAULTS)
    support = dialect_for(dialect) if dialect is not None else None
    defaults["render_as_batch"] = support is not None and support.alters_by_rebuild
    if dialect is not None:
        defaults["compare_server_default"] = server_default_comparison(dialect)
    # Alembic 1.18+ reads this itself; before 1.18 Flask-Remodel's comparators
    # read it from the context's options (autogenerate/registration.py).
    defaults["autogenerate_plugins"] = plugin_names()
    if support is not None and online and state.runs_sqlite_transactions():
        # Old env.py files connect through LegacyDatabaseView, whose SQLite
        # connections run real transactions, so Alembic may roll back DDL.
        defaults.update(support.migration_session_options)
    return defaults


def _dialect_name(given: dict[str, Any]) -> str | None:
    connection = given.get("connection")
    if connection is not None:
        return str(connection.dialect.name)
    if given.get("dialect_name"):
        return str(given["dialect_name"])
    url = given.get("url")
    if url is None:
        return None
    try:
        return make_url(url).get_backend_name()
    except Exception:  # Alembic reports a bad URL itself, and better
        return None


def _once(wrap: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """*wrap*, leaving a hook it already made as it is (a call may be merged twice)."""

    def wrap_once(hook: Any) -> Any:
        if getattr(hook, "_remodel_wrapper", None) is wrap:
            return hook
        wrapped = wrap(hook)
        try:
            wrapped._remodel_wrapper = wrap
        except AttributeError:  # a list (on_version_apply): with_recorder is idempotent
            pass
        return wrapped

    return wrap_once


def _skip_when_emptied(user_hook: Any) -> Callable[[Any, Any, list[Any]], None]:
    """The user's ``process_revision_directives``, not called once nothing is left.

    Flask-Remodel's own hook runs before the environment's and removes the
    directives of an empty autogenerate; hooks written for Flask-Migrate read
    ``directives[0]`` without looking.
    """

    def process(context: Any, revision: Any, directives: list[Any]) -> None:
        if directives and user_hook is not None:
            user_hook(context, revision, directives)

    return process


_WRAPPERS: dict[str, Callable[[Any], Any]] = {
    "process_revision_directives": _once(_skip_when_emptied),
    "include_name": _once(exclude_own_tables),
    "on_version_apply": _once(with_recorder),
    "render_item": _once(render_item_with_existing_enums),
}
