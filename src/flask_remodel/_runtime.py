"""What must be registered with Alembic before any migration script or autogenerate runs.

Importing Flask-Remodel registers nothing (so apps and test runs that only
import it do not pay for Alembic): this module imports Alembic, and only the
entry points that run migration scripts or autogenerate import it and call
:func:`ensure_runtime` first: the Python API (through ``Migrate.get_config``),
the env.py templates, the linter's replay, the testing runner and the pytest
fixtures.
"""

from __future__ import annotations

from functools import cache

from . import online  # noqa: F401  (registers its operations and renderers on import)
from ._alembic import merge_configure_arguments
from .autogenerate import operations  # noqa: F401  (registers on import)
from .autogenerate import plugin  # noqa: F401  (registers on import)
from .context_options import merged_arguments
from .sqlite import install_sqlite_rebuilds


@cache
def ensure_runtime() -> None:
    """Register Flask-Remodel's operations, renderers and comparators; once per process.

    * ``op.create_index_online``, ``op.expand_column``, ``op.backfill`` and the
      other online operations, and how autogenerate writes them, and the
      autogenerate comparator plugin and its operations' renderers (all
      registered when this module is imported);
    * then, so that they wrap whatever is registered by then: the SQLite
      rebuilds behind ``op.alter_column`` and the constraint operations;
    * Flask-Remodel's defaults and hooks merged into every env.py's
      ``context.configure`` call (see :mod:`flask_remodel.context_options`).
    """
    install_sqlite_rebuilds()
    merge_configure_arguments(merged_arguments)
