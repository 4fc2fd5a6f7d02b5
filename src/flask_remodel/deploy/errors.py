"""Errors of safe deploys (part of the RemodelError hierarchy, see ``errors.py``)."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import ConfigurationError
from ..errors import MigrationFailedError
from ..errors import RemodelError
from ..errors import failed_where
from .committed import is_in_flight
from .committed import one_line


class DeployLockTimeoutError(RemodelError):
    """Another instance held the deploy lock for longer than the wait allowed."""

    exit_code = 7

    def __init__(self, waited: float, holder: str | None) -> None:
        who = f"held by {holder}" if holder else "held by another instance"
        super().__init__(
            f"Gave up after {waited:.0f} s waiting for the deploy lock ({who}). "
            "Let that deploy finish and run the command again, or wait longer with "
            "--lock-wait SECONDS (or REMODEL_LOCK_WAIT)."
        )
        self.waited = waited
        self.holder = holder


class DeployLockLostError(RemodelError):
    """The deploy lock's session ended while this instance held it, so it stopped."""

    exit_code = 10

    def __init__(
        self, revision: str | None = None, statements: Sequence[str] = (), resumes: bool = False,
    ) -> None:
        if revision is None:
            where, kept = "", "nothing ran after that"
        elif resumes:
            where = f" during revision {revision}"
            kept = "the batches its backfill committed stay; the next upgrade carries on"
        elif statements:
            where = f" during revision {revision}"
            kept = (
                f"{len(statements)} statement(s) of it were committed (listed by 'flask db "
                "status'): the next upgrade resumes it after them, or says why it cannot "
                f"(then repair the schema by hand and run 'flask db resolve {revision} "
                "--applied' or '--rolled-back')"
            )
        else:
            where, kept = f" during revision {revision}", f"nothing of {revision} was kept"
        super().__init__(
            f"Lost the deploy lock{where}: its database session was ended (by an "
            "administrator, an idle timeout or a pooler), so this instance stopped before "
            f"its next statement and {kept}. Run the command again (another instance may "
            "finish the job first), and keep the migration's connections clear of idle "
            "timeouts and transaction poolers."
        )
        self.revision = revision
        self.statements = tuple(statements)


class UnresolvedRevisionError(RemodelError):
    """A revision stopped half-way on a database that kept part of it."""

    exit_code = 9

    def __init__(
        self, revision: str, state: str, statements: Sequence[str], why_not_resumed: str = "",
    ) -> None:
        committed = [s for s in statements if not is_in_flight(s)]
        unknown = [s for s in statements if is_in_flight(s)]
        ran = (
            f"{len(committed)} statement(s) of it were committed: "
            + "; ".join(one_line(s, 80) for s in committed)
            if committed
            else "some of it may have been committed"
        )
        if unknown:
            # Sent by a process that died: the schema could not tell whether they ran.
            ran += (
                f", and whether {len(unknown)} more took effect is not known (check the"
                " schema): " + "; ".join(one_line(s, 80) for s in unknown)
            )
        if why_not_resumed:
            # upgrade carries on with such a revision when it can (deploy/resume.py)
            ran += f". Upgrade cannot resume it: {why_not_resumed}"
        super().__init__(
            f"Revision {revision} is {state} and {ran}. Finish it or undo it by hand, then "
            f"record what you did with 'flask db resolve {revision} --applied' or "
            f"'flask db resolve {revision} --rolled-back'; upgrade will not run it again "
            "before that."
        )
        self.revision = revision
        self.statements = tuple(statements)
        self.why_not_resumed = why_not_resumed


class PartiallyAppliedError(MigrationFailedError):
    """A revision failed on a database that commits each DDL statement on its own."""

    def __init__(
        self, revision: str, reason: str, statements: Sequence[str], *,
        operation: str | None = None, hint: str = "", resumes: bool = False,
    ) -> None:
        super().__init__(revision, reason, kept=True, operation=operation, hint=hint)
        then = f"{hint} " if hint else ""
        kept = (
            f"{failed_where(revision, operation)}: {reason}. {then}This database commits each DDL "
            f"statement on its own, so what ran before the failure is kept "
            f"({len(statements)} statement(s), listed by 'flask db status')"
        )
        if resumes:
            self.message = (
                f"{kept}: fix the cause and run 'flask db upgrade' again, which resumes the "
                "revision after them (unless its file is edited meanwhile); or undo them by "
                f"hand and run 'flask db resolve {revision} --rolled-back'."
            )
        else:
            self.message = (
                f"{kept}: repair the schema by hand, then run 'flask db resolve {revision} "
                "--applied' (finished by hand) or '--rolled-back' (undone by hand)."
            )
        self.resumes = resumes
        self.statements = tuple(statements)


class LedgerMismatchError(RemodelError):
    """``validate``: applied revisions whose files changed or disappeared."""

    exit_code = 8

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__(
            f"{'; '.join(problems)}. Restore the applied files as they were and put the "
            "change in a new revision ('flask db revision'), or, if the edit is intended, "
            "record it with 'flask db resolve REV --applied' (for a file removed on "
            "purpose: 'flask db resolve REV --retired')."
        )
        self.problems = tuple(problems)


class NothingToResolveError(RemodelError):
    exit_code = 5

    def __init__(self, revision: str, state: str) -> None:
        super().__init__(
            f"Revision {revision} has nothing to resolve (the ledger says: {state}). "
            "'flask db status' lists failed and interrupted revisions."
        )


class CannotRetireError(RemodelError):
    """``resolve --retired`` on a revision that still has its file, or that the database is at."""

    exit_code = 5

    def __init__(self, revision: str, reason: str) -> None:
        super().__init__(f"Revision {revision} was not retired: {reason}.")
        self.revision = revision


class NotInLedgerError(CannotRetireError):
    """``resolve --retired`` on a revision neither the ledger nor the migrations folder knows."""

    def __init__(self, revision: str) -> None:
        super().__init__(
            revision,
            "neither this database's ledger nor the migrations folder knows it. "
            "'flask db status' and 'flask db validate' name the revisions the ledger has",
        )


class BackupError(RemodelError):
    """The backup asked for could not be taken; nothing was changed."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"No backup taken, and nothing changed: {reason}. Fix that, or run the "
            "upgrade without --backup."
        )


class BackupToolMissingError(ConfigurationError):
    def __init__(self, tool: str, variable: str) -> None:
        super().__init__(
            f"--backup needs '{tool}', which is not on PATH: install the database's client "
            f"tools, or point {variable} at the program. Nothing was changed."
        )


class BadPhaseError(ConfigurationError):
    def __init__(self, path: str, reason: str) -> None:
        super().__init__(
            f"{path}: {reason}. Set remodel_phase = \"pre\" or \"post\" at module level, "
            "or remove it."
        )
