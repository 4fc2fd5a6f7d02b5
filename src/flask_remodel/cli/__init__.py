"""The ``flask db`` command group; each command is a thin adapter over :mod:`flask_remodel.api`.

The commands listed below are the group's one registry: the group finds a
command here by its name (``ensure-version`` is ``ensure_version``) and
imports only the module that defines it (see :class:`~.group.DbGroup`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import _lazy
from .group import db as db

if TYPE_CHECKING:
    from .deploying import resolve as resolve
    from .deploying import status as status
    from .deploying import validate as validate
    from .graphing import graph as graph
    from .inspecting import branches as branches
    from .inspecting import current as current
    from .inspecting import heads as heads
    from .inspecting import history as history
    from .inspecting import show as show
    from .linting import lint as lint
    from .running import check as check
    from .running import downgrade as downgrade
    from .running import ensure_version as ensure_version
    from .running import stamp as stamp
    from .running import upgrade as upgrade
    from .squashing import squash as squash
    from .testing import test as test
    from .writing import edit as edit
    from .writing import init as init
    from .writing import list_templates as list_templates
    from .writing import merge as merge
    from .writing import migrate as migrate
    from .writing import revision as revision

# The imports above are the package's one list of exports: type checkers read
# them, and at run time each is imported on first use. Hidden from type
# checkers, so that a misspelt name stays an error instead of becoming Any.
if not TYPE_CHECKING:
    __getattr__, __dir__, __all__ = _lazy.lazy_exports(__name__)
