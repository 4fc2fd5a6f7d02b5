"""Safe deploys: a deploy lock, a ledger, revision-by-revision runs, plans, backups.

Flask-free: everything here works on a SQLAlchemy engine and an Alembic
``ScriptDirectory``; :mod:`flask_remodel.api.deploying` connects it to the
app. See ``docs/deploys.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

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

# Hidden from type checkers, which see the imports above; a misspelt name
# then stays an error instead of becoming Any.
if not TYPE_CHECKING:
    __getattr__, __dir__ = lazy_exports(
        __name__,
        {
            ".backup": ("Backup",),
            ".ledger": ("Entry",),
            ".locks": ("Holder",),
            ".plan": ("PlannedRevision",),
            ".report": ("DeployReport", "StepResult"),
            ".runner": ("DeployOptions", "Event"),
            ".status": ("DeployStatus", "RevisionState"),
        },
    )

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
