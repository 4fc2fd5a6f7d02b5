"""Autogenerate that keeps the data: renames, required columns, types, enums, summary.

Everything here works through Alembic's public hooks: a comparator plugin
(:mod:`.plugin`), operations with their own renderers and reverses
(:mod:`.operations`) and the ``process_revision_directives`` rewrite
(:mod:`.rewrite`), which ``flask_remodel.directives`` runs for ``migrate``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import _lazy

if TYPE_CHECKING:
    from .decisions import ColumnRename as ColumnRename
    from .decisions import Decide as Decide
    from .decisions import Decisions as Decisions
    from .decisions import FillValue as FillValue
    from .decisions import Question as Question
    from .decisions import TableRename as TableRename
    from .plugin import plugin_names as plugin_names
    from .rewrite import Summary as Summary
    from .rewrite import rewrite as rewrite

# The imports above are the package's one list of exports: type checkers read
# them, and at run time each is imported on first use. Hidden from type
# checkers, so that a misspelt name stays an error instead of becoming Any.
if not TYPE_CHECKING:
    # ``rewrite`` is the function, whether or not its module ``.rewrite`` was imported.
    __getattr__, __dir__, __all__ = _lazy.lazy_exports(__name__, keep=("rewrite",))
