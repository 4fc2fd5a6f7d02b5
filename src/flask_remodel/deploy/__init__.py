"""Safe deploys: a deploy lock, a ledger, revision-by-revision runs, plans, backups.

Flask-free: everything here works on a SQLAlchemy engine and an Alembic
``ScriptDirectory``; :mod:`flask_remodel.api.deploying` connects it to the
app. See ``docs/deploys.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import _lazy

if TYPE_CHECKING:
    from .backup import Backup as Backup
    from .ledger import Entry as Entry
    from .locks import Holder as Holder
    from .plan import PlannedRevision as PlannedRevision
    from .report import DeployReport as DeployReport
    from .report import StepResult as StepResult
    from .runner import DeployOptions as DeployOptions
    from .runner import Event as Event
    from .status import DeployStatus as DeployStatus
    from .status import RevisionState as RevisionState

# The imports above are the package's one list of exports: type checkers read
# them, and at run time each is imported on first use. Hidden from type
# checkers, so that a misspelt name stays an error instead of becoming Any.
if not TYPE_CHECKING:
    __getattr__, __dir__, __all__ = _lazy.lazy_exports(__name__)
