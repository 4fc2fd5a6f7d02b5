"""Testing migrations: scratch databases, a migration runner, generated rows, checks.

``flask db test`` runs :func:`check_migrations`; the pytest plugin
(``--remodel-checks``, see ``docs/testing.md``) hands out the same pieces as
fixtures. A revision that cannot be undone says so by raising
:class:`~flask_remodel.errors.IrreversibleMigrationError` in ``downgrade()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import _lazy
from ..errors import IrreversibleMigrationError as IrreversibleMigrationError

if TYPE_CHECKING:
    from .checks import CheckReport as CheckReport
    from .checks import CheckResult as CheckResult
    from .checks import check_data_kept as check_data_kept
    from .checks import check_models_match as check_models_match
    from .checks import check_single_head as check_single_head
    from .checks import check_up_down_up as check_up_down_up
    from .checks import check_upgrade as check_upgrade
    from .checks import run_checks as run_checks
    from .rows import RowGenerator as RowGenerator
    from .rows import SeedResult as SeedResult
    from .runner import MigrationRunner as MigrationRunner
    from .runner import connected_runner as connected_runner
    from .scratch import scratch_database as scratch_database
    from .suite import check_migrations as check_migrations

# The imports above are the package's one list of exports: type checkers read
# them, and at run time each is imported on first use. Hidden from type
# checkers, so that a misspelt name stays an error instead of becoming Any.
if not TYPE_CHECKING:
    __getattr__, __dir__, __all__ = _lazy.lazy_exports(__name__)
