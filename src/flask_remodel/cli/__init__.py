"""The ``flask db`` command group; each command is a thin adapter over :mod:`flask_remodel.api`."""

from . import deploying  # noqa: F401 - registers the commands on the group
from . import graphing  # noqa: F401
from . import inspecting  # noqa: F401
from . import linting  # noqa: F401
from . import running  # noqa: F401
from . import squashing  # noqa: F401
from . import testing  # noqa: F401
from . import writing  # noqa: F401
from .group import db

__all__ = ["db"]
