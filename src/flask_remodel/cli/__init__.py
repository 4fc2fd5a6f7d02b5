"""The ``flask db`` command group; each command is a thin adapter over :mod:`flask_remodel.api`."""

from . import inspecting  # noqa: F401 - registers the commands on the group
from . import running  # noqa: F401
from . import testing  # noqa: F401
from . import writing  # noqa: F401
from .group import db

__all__ = ["db"]
