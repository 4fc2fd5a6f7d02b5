"""Flask-Remodel's autogenerate comparators, as an Alembic plugin.

Registered once per process under the names below; the environment turns
them on with ``autogenerate_plugins`` (see :func:`plugin_names`), so an app
that sets its own list keeps full control.
"""

from __future__ import annotations

from alembic.runtime.plugins import Plugin

from . import computed
from . import constraints
from . import enums

ENUMS = "flask_remodel.enums"
COMPUTED = "flask_remodel.computed"
CONSTRAINTS = "flask_remodel.constraints"


def register() -> None:
    for module, name in ((enums, ENUMS), (computed, COMPUTED), (constraints, CONSTRAINTS)):
        try:
            Plugin.setup_plugin_from_module(module, name)
        except ValueError:  # already registered by an earlier import
            pass


def plugin_names() -> list[str]:
    """The ``autogenerate_plugins`` setting: Alembic's comparators, then ours."""
    return ["alembic.autogenerate.*", ENUMS, COMPUTED, CONSTRAINTS]


register()
