"""Testing migrations: scratch databases, a migration runner, generated rows, checks.

``flask db test`` runs :func:`check_migrations`; the pytest plugin
(``--remodel-checks``, see ``docs/testing.md``) hands out the same pieces as
fixtures. A revision that cannot be undone says so by raising
:class:`~flask_remodel.errors.IrreversibleMigrationError` in ``downgrade()``.
"""

from ..errors import IrreversibleMigrationError
from .checks import CheckReport
from .checks import CheckResult
from .checks import check_data_kept
from .checks import check_models_match
from .checks import check_single_head
from .checks import check_up_down_up
from .checks import check_upgrade
from .checks import run_checks
from .rows import RowGenerator
from .rows import SeedResult
from .runner import MigrationRunner
from .runner import connected_runner
from .scratch import scratch_database
from .suite import check_migrations

__all__ = [
    "CheckReport",
    "CheckResult",
    "IrreversibleMigrationError",
    "MigrationRunner",
    "RowGenerator",
    "SeedResult",
    "check_data_kept",
    "check_migrations",
    "check_models_match",
    "check_single_head",
    "check_up_down_up",
    "check_upgrade",
    "connected_runner",
    "run_checks",
    "scratch_database",
]
