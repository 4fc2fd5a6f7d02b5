"""The ``flask db`` command group; each command is a thin adapter over :mod:`flask_remodel.api`.

The commands live in one module per concern; the group imports them when a
command is first asked for (see :class:`~flask_remodel.cli.group.DbGroup`).
"""

from .group import db

__all__ = ["db"]
