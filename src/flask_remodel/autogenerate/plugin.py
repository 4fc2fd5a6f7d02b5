"""Flask-Remodel's autogenerate comparators, as Alembic plugins.

Registered once per process under the names below (see :mod:`.registration`
for Alembic releases before plugins); the environment turns them on with
``autogenerate_plugins`` (see :func:`plugin_names`), so an app that sets its
own list keeps full control.
"""

from __future__ import annotations

from . import computed
from . import constraints
from . import enums
from .registration import register

ENUMS = "flask_remodel.enums"
COMPUTED = "flask_remodel.computed"
CONSTRAINTS = "flask_remodel.constraints"


def register_all() -> None:
    register(ENUMS, enums.COMPARATORS)
    register(COMPUTED, computed.COMPARATORS)
    register(CONSTRAINTS, constraints.COMPARATORS)


def plugin_names() -> list[str]:
    """The ``autogenerate_plugins`` setting: Alembic's comparators, then ours.

    The same on every supported Alembic: before 1.18, Alembic keeps the option
    unread among the others and :mod:`.registration` reads it from there.
    """
    return ["alembic.autogenerate.*", ENUMS, COMPUTED, CONSTRAINTS]


register_all()
