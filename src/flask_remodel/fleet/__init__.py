"""Many databases with one history: ``REMODEL_FLEET`` and ``flask db upgrade --fleet``.

See docs/many-databases.md. The commands are in :mod:`flask_remodel.api.fleet`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import _lazy

if TYPE_CHECKING:
    from .errors import FleetDeclarationError as FleetDeclarationError
    from .errors import FleetFailedError as FleetFailedError
    from .errors import FleetTestFailedError as FleetTestFailedError
    from .errors import FleetUnreadableError as FleetUnreadableError
    from .errors import FleetUsageError as FleetUsageError
    from .errors import FleetValidationError as FleetValidationError
    from .report import FleetReport as FleetReport
    from .report import TargetOutcome as TargetOutcome
    from .targets import FleetTarget as FleetTarget

if not TYPE_CHECKING:
    __getattr__, __dir__, __all__ = _lazy.lazy_exports(__name__)
