"""The fleet's errors: a bad ``REMODEL_FLEET``, a bad choice of targets, a failed run."""

from __future__ import annotations

from ..errors import ConfigurationError
from ..errors import RemodelError


class FleetDeclarationError(ConfigurationError):
    """``REMODEL_FLEET`` does not declare a usable list of targets (exit 3)."""

    def __init__(self, problem: str) -> None:
        super().__init__(
            f"REMODEL_FLEET: {problem}. Declare the targets as a dict of name to URL, or to "
            "{'url': ..., 'schema': ...} (see docs/many-databases.md)."
        )
        self.problem = problem


class FleetUsageError(RemodelError):
    """A fleet command was asked for something it cannot do (exit 2)."""

    exit_code = 2


class FleetFailedError(RemodelError):
    """At least one target of a fleet run failed (exit 1); the report says which."""

    def __init__(self, failed: list[str], not_run: int) -> None:
        names = ", ".join(failed)
        rest = f"; {not_run} not run" if not_run else ""
        super().__init__(
            f"The fleet upgrade failed on {len(failed)} target(s): {names}{rest}. "
            "Fix the cause, then run 'flask db upgrade --fleet --resume'."
        )
        self.failed = failed
        self.not_run = not_run


class FleetValidationError(RemodelError):
    """``validate --fleet``: some targets ran revisions whose files changed since (exit 8,
    as ``validate``), or could not be read (exit 1)."""

    exit_code = 8

    def __init__(self, edited: list[str], unreadable: list[str]) -> None:
        parts = []
        if edited:
            parts.append(
                f"{len(edited)} target(s) applied revisions whose files were edited or "
                f"removed since: {', '.join(edited)}"
            )
        if unreadable:
            parts.append(f"{len(unreadable)} could not be read: {', '.join(unreadable)}")
        super().__init__(
            f"{'; '.join(parts)}. Each row above says what; fix each target as "
            "'flask db validate' says for one database, then run 'flask db validate --fleet' again."
        )
        self.edited = edited
        self.unreadable = unreadable


class FleetUnreadableError(FleetValidationError):
    """``validate --fleet``: no target has edited files, but some could not be read (exit 1)."""

    exit_code = 1


class FleetTestFailedError(RemodelError):
    """``test --fleet``: the migration tests failed (or could not run) on some servers (exit 1)."""

    def __init__(self, servers: list[str]) -> None:
        super().__init__(
            f"The migration tests failed on {len(servers)} server(s): {', '.join(servers)}. "
            "Fix what the lines above name, then run 'flask db test --fleet' again."
        )
        self.servers = servers
