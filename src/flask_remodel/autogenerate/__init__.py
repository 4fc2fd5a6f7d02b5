"""Autogenerate that keeps the data: renames, required columns, types, enums, summary.

Everything here works through Alembic's public hooks: a comparator plugin
(:mod:`.plugin`), operations with their own renderers and reverses
(:mod:`.operations`) and the ``process_revision_directives`` rewrite
(:mod:`.rewrite`), which ``flask_remodel.directives`` runs for ``migrate``.
"""

from .decisions import ColumnRename
from .decisions import Decide
from .decisions import Decisions
from .decisions import FillValue
from .decisions import Question
from .decisions import TableRename
from .plugin import plugin_names
from .rewrite import Summary
from .rewrite import rewrite

__all__ = [
    "ColumnRename",
    "Decide",
    "Decisions",
    "FillValue",
    "Question",
    "Summary",
    "TableRename",
    "plugin_names",
    "rewrite",
]
