"""Safe deploys: a deploy lock, a ledger, revision-by-revision runs, plans, backups.

Flask-free: everything here works on a SQLAlchemy engine and an Alembic
``ScriptDirectory``; :mod:`flask_remodel.api.deploying` connects it to the
app. See ``docs/deploys.md``.
"""

from .backup import Backup
from .ledger import Entry
from .locks import Holder
from .plan import PlannedRevision
from .runner import DeployOptions
from .runner import DeployReport
from .runner import Event
from .runner import StepResult
from .status import DeployStatus
from .status import RevisionState

__all__ = [
    "Backup",
    "DeployOptions",
    "DeployReport",
    "DeployStatus",
    "Entry",
    "Event",
    "Holder",
    "PlannedRevision",
    "RevisionState",
    "StepResult",
]
