"""Upgrades that keep the application running, on PostgreSQL and MariaDB/MySQL.

This package imports no Flask: plain Alembic projects can use it too.

* :func:`lock_timeouts` (installed by Flask-Remodel's environment on every
  upgrade): a short lock timeout on each statement, retries on a doubling
  schedule, and a :class:`LockTimeoutError` naming the blocking session;
  :func:`lock_timeouts_in_script` writes the same settings into an offline
  (``--sql``) script.
* Online operations, usable in any revision as ``op.<name>(...)``:
  ``create_index_online``, ``drop_index_online``, ``create_foreign_key_online``,
  ``create_check_constraint_online``, ``set_not_null_online``,
  ``create_unique_constraint_online`` (see :mod:`.operations`).
* ``op.backfill``: a big UPDATE in batches, each committed on its own.
* ``op.expand_column`` / ``op.contract_column``: a type change or rename in
  steps that keep old and new code working (see :mod:`.expand`).
* :func:`~.autogenerate.use_online_forms`: autogenerate writes all of these
  (``flask db migrate --online``).
"""

from . import implementations  # noqa: F401  (registers the op.*_online operations)
from . import render  # noqa: F401  (and how autogenerate writes them)
from .backfill import BackfillOp
from .errors import BackfillError
from .errors import Blocker
from .errors import ConstraintValidationError
from .errors import LockPolicyError
from .errors import LockTimeoutError
from .errors import TableCopyFailedError
from .errors import TableCopyRefusedError
from .expand import ContractColumnOp
from .expand import ExpandColumnOp
from .operations import AlterColumnTypeOnlineOp
from .operations import CreateCheckConstraintOnlineOp
from .operations import CreateForeignKeyOnlineOp
from .operations import CreateIndexOnlineOp
from .operations import CreateUniqueConstraintOnlineOp
from .operations import DropIndexOnlineOp
from .operations import SetNotNullOnlineOp
from .policy import LockPolicy
from .statements import lock_timeouts
from .statements import lock_timeouts_in_script
from .statements import without_lock_timeout

__all__ = [
    "AlterColumnTypeOnlineOp",
    "BackfillError",
    "BackfillOp",
    "Blocker",
    "ConstraintValidationError",
    "ContractColumnOp",
    "CreateCheckConstraintOnlineOp",
    "CreateForeignKeyOnlineOp",
    "CreateIndexOnlineOp",
    "CreateUniqueConstraintOnlineOp",
    "DropIndexOnlineOp",
    "ExpandColumnOp",
    "LockPolicy",
    "LockPolicyError",
    "LockTimeoutError",
    "SetNotNullOnlineOp",
    "TableCopyFailedError",
    "TableCopyRefusedError",
    "lock_timeouts",
    "lock_timeouts_in_script",
    "without_lock_timeout",
]
