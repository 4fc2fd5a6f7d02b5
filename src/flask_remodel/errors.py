"""Every error Flask-Remodel raises on purpose.

The Python API raises these; only the CLI turns them into a message and an exit
code (``exit_code`` on each class, documented in ``docs/commands.md``)::

    RemodelError                      exit 1
    ├─ ConfigurationError             exit 3
    │  ├─ ExtensionNotFoundError      the app never called Migrate(app, db)
    │  ├─ DatabaseNotConfiguredError  Migrate(app) was given no database
    │  ├─ MigrationsFolderNotFoundError
    │  ├─ SettingsError               a REMODEL_* value of the app's config (or of the
    │  │                              environment) is not one it accepts
    │  └─ IncompatibleReleaseError    the installed Alembic or SQLAlchemy changed
    │     │                           something Flask-Remodel relies on
    │     ├─ AlembicIncompatibleError
    │     └─ SQLAlchemyIncompatibleError
    ├─ DatabaseUnreachableError       exit 4
    ├─ ScratchDatabaseError           exit 4 (``flask db test`` could not create or
    │                                 drop its scratch database)
    ├─ RevisionError                  exit 5
    │  ├─ UnknownRevisionError        a name that is not in the migrations folder
    │  ├─ UnknownDatabaseRevisionError  the database is at a revision the folder lacks
    │  │  └─ SquashedRevisionError    ... because 'squash' folded it into another
    │  ├─ MultipleHeadsError
    │  ├─ DuplicateRevisionError
    │  ├─ RevisionCycleError
    │  ├─ RevisionImportError         a revision file that does not import
    │  └─ SquashError                 'squash' refused the range (nothing was changed)
    ├─ DatabaseNotUpToDateError       exit 6
    ├─ GraphFormatError               exit 2 (``graph`` was given an unknown format)
    ├─ SchemaDiffersError             exit 1 (``check`` found differences)
    ├─ SeveralHeadsError              exit 1 (``heads --check`` found more than one)
    ├─ AutogenerateError              exit 1 (unnamed constraints, no models, bad
    │  │                              --rename/--default)
    │  └─ FillValueNeededError        a required column needs a value for existing rows
    ├─ SQLiteRebuildError             exit 1 (flask_remodel.sqlite: a rebuild that
    │                                 would lose rows or a trigger)
    ├─ IrreversibleMigrationError     exit 1 (raised by a revision's downgrade():
    │                                 it cannot be undone)
    ├─ MigrationTestFailedError       exit 1 (``flask db test`` found a fault)
    ├─ MigrationFailedError           exit 1 (a statement failed; nothing of it kept
    │  │                              where the database allows)
    │  ├─ ForeignKeyViolationError    (flask_remodel.sqlite: references left broken)
    │  └─ PartiallyAppliedError       (flask_remodel.deploy: MySQL kept part of it)
    └─ flask_remodel.deploy.errors:   DeployLockTimeoutError (7), LedgerMismatchError (8),
                                      UnresolvedRevisionError (9), DeployLockLostError (10),
                                      NothingToResolveError (5),
                                      CannotRetireError (5) and its NotInLedgerError,
                                      BackupError (1); BackupToolMissingError and
                                      BadPhaseError are ConfigurationErrors (3)

Packages that do not import Flask keep their own errors, all RemodelErrors:
``flask_remodel.lint`` LintUsageError (2) and LintFindingsError (1);
``flask_remodel.online`` LockPolicyError (a ConfigurationError, 3) and the
MigrationFailedErrors LockTimeoutError (7), TableCopyRefusedError,
ConstraintValidationError and BackfillError. Exit 7 always means a lock wait
was given up (a table lock here, the deploy lock in ``flask_remodel.deploy``).

Each message ends with what to type or change instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Sequence
from typing import ClassVar


class RemodelError(Exception):
    """Base of every error Flask-Remodel raises on purpose."""

    exit_code: ClassVar[int] = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigurationError(RemodelError):
    """The app, the extension or the migrations folder is not set up."""

    exit_code = 3


class ExtensionNotFoundError(ConfigurationError):
    def __init__(self) -> None:
        super().__init__(
            "This app has no Flask-Remodel extension: call Migrate(app, db) "
            "(or migrate.init_app(app, db)) where the app is created."
        )


class DatabaseNotConfiguredError(ConfigurationError):
    def __init__(self) -> None:
        super().__init__(
            "Migrate(app) was given no database: pass it as Migrate(app, db) "
            "or call migrate.init_app(app, db)."
        )


class MigrationsFolderNotFoundError(ConfigurationError):
    def __init__(self, directory: str) -> None:
        super().__init__(
            f"No migrations folder at '{directory}': run 'flask db init' to create one, "
            "or pass -d/--directory to point at it."
        )
        self.directory = directory


class SettingsError(ConfigurationError):
    """A ``REMODEL_*`` setting has a value it does not accept (see :mod:`flask_remodel.settings`).

    Raised by the first command that reads the app's settings, whatever the
    command is.
    """

    def __init__(
        self, key: str, value: object, accepts: str, fix: str, source: str = "app.config"
    ) -> None:
        where = " (from the environment)" if source == "environment" else ""
        super().__init__(f"{key} = {value!r}{where} is not {accepts}: {fix}.")
        self.key = key
        self.value = value
        self.accepts = accepts
        self.fix = fix
        self.source = source


class IncompatibleReleaseError(ConfigurationError):
    """The installed Alembic or SQLAlchemy no longer has what Flask-Remodel relies on.

    Raised by :mod:`flask_remodel._alembic` when a private name it uses is gone
    or takes other parameters (or behaves otherwise), instead of the
    ``AttributeError`` or ``TypeError`` that would surface as something else.
    """

    #: The distribution, as ``pip`` names it.
    package: ClassVar[str] = ""

    def __init__(
        self, remodel_version: str, installed: str, change: str, supported: str
    ) -> None:
        super().__init__(
            f"Flask-Remodel {remodel_version} does not support {self.package} {installed}: "
            f"{change}. Install a release it supports: pip install '{supported}'."
        )
        self.installed = installed
        self.change = change
        self.supported = supported


class AlembicIncompatibleError(IncompatibleReleaseError):
    package = "alembic"


class SQLAlchemyIncompatibleError(IncompatibleReleaseError):
    package = "SQLAlchemy"


class DatabaseUnreachableError(RemodelError):
    exit_code = 4

    def __init__(self, masked_url: str, reason: str, is_file: bool = False) -> None:
        # A database that is a file (SQLite) has no server to be down.
        check = (
            "that the database file's folder exists and can be written"
            if is_file else "that the server is running"
        )
        super().__init__(
            f"Cannot connect to the database at {masked_url}: {reason}. "
            f"Check {check} and the URL in the app's config is right."
        )
        self.url = masked_url
        self.reason = reason
        self.is_file = is_file


class RevisionError(RemodelError):
    """The revision graph, or a revision named by the user, is not usable."""

    exit_code = 5


class UnknownRevisionError(RevisionError):
    def __init__(self, revision: str, detail: str = "") -> None:
        text = f"Unknown revision '{revision}': it is not in the migrations folder"
        if detail:
            text += f" ({detail})"
        super().__init__(text + ". Run 'flask db history' to list the revisions.")
        self.revision = revision


class UnknownDatabaseRevisionError(RevisionError):
    def __init__(self, revisions: Sequence[str]) -> None:
        names = ", ".join(revisions)
        super().__init__(
            f"The database is at revision {names}, which is not in the migrations folder "
            "(a deleted revision, or code older than the database). Restore the revision "
            "file, or record where the database really is with "
            "'flask db stamp --purge <revision>'."
        )
        self.revisions = tuple(revisions)


class SquashedRevisionError(UnknownDatabaseRevisionError):
    """The database is inside a range that ``flask db squash`` replaced."""

    def __init__(self, revision: str, squashed_into: str, path: str) -> None:
        RevisionError.__init__(
            self,
            f"The database is at revision {revision}, which 'flask db squash' folded into "
            f"revision {squashed_into} ({path}), so this code cannot continue from it. "
            f"Upgrade the database to {squashed_into} with the code from before the squash "
            "(version control, or the backup folder the squash printed), then use this code; "
            f"or, if its schema already matches {squashed_into}, record that with "
            f"'flask db stamp --purge {squashed_into}'.",
        )
        self.revisions = (revision,)
        self.squashed_into = squashed_into


class SquashError(RevisionError):
    """``squash`` cannot replace the range; nothing was changed."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"Cannot squash: {reason}")
        self.reason = reason


class MultipleHeadsError(RevisionError):
    def __init__(self, heads: Sequence[str], action: str = "") -> None:
        names = ", ".join(heads)
        what = f" {action}" if action else ""
        super().__init__(
            f"The migrations have several heads ({names}), so{what} cannot choose one. "
            "Run 'flask db merge' to join them, or name one head explicitly "
            "(for example 'heads' to upgrade every branch)."
        )
        self.heads = tuple(heads)


class SeveralHeadsError(RemodelError):
    """``heads --check``: the history has branched and nobody merged it yet.

    Exit 1 like ``check``: a CI guard that found something, not a broken folder.
    """

    def __init__(self, heads: Sequence[str]) -> None:
        super().__init__(
            f"The migrations have {len(heads)} heads ({', '.join(heads)}): "
            "run 'flask db merge heads -m \"Merge heads\"' to join them into one."
        )
        self.heads = tuple(heads)


class DuplicateRevisionError(RevisionError):
    def __init__(self, revision: str, paths: Sequence[str]) -> None:
        super().__init__(
            f"Revision id '{revision}' is used by more than one file ({', '.join(paths)}). "
            "Give one of them a new id (the 'revision' variable and its file name)."
        )
        self.revision = revision
        self.paths = tuple(paths)


class RevisionCycleError(RevisionError):
    def __init__(self, revisions: Sequence[str]) -> None:
        super().__init__(
            f"The revisions form a cycle ({', '.join(revisions)}): each one's down_revision "
            "must point to an older revision. Fix down_revision in those files."
        )
        self.revisions = tuple(revisions)


class RevisionImportError(RevisionError):
    def __init__(self, path: str, reason: str) -> None:
        super().__init__(
            f"The revision file {path} does not import: {reason}. Fix or remove that file."
        )
        self.path = path
        self.reason = reason


class DatabaseNotUpToDateError(RemodelError):
    exit_code = 6

    def __init__(self, before: str = "generating a new migration") -> None:
        super().__init__(
            f"Target database is not up to date: run 'flask db upgrade' before {before}."
        )


class SchemaDiffersError(RemodelError):
    """``check`` found that the models and the database differ."""

    def __init__(self, diffs: Sequence[str]) -> None:
        listing = "; ".join(diffs)
        super().__init__(
            f"The models and the database differ: {listing}. Run 'flask db migrate' "
            "to write a migration for them."
        )
        self.diffs = tuple(diffs)


class GraphFormatError(RemodelError):
    """``graph`` was asked for a format it does not draw."""

    exit_code = 2

    def __init__(self, format: str, known: Sequence[str]) -> None:
        super().__init__(f"Unknown graph format '{format}': use one of {', '.join(known)}.")
        self.format = format


class AutogenerateError(RemodelError):
    """Autogenerate would write a script that could not be run or undone."""


class MigrationFailedError(RemodelError):
    resumable_table: str | None = None
    """Set when the failed step can simply run again from where it stopped (a batched
    backfill that only updates the rows still to do): the table it was updating."""

    def __init__(
        self, revision: str | None, reason: str, kept: bool, *, operation: str | None = None,
        hint: str = "", commits_midway: bool = False,
    ) -> None:
        tail = _what_was_kept(kept, commits_midway)
        super().__init__(f"{failed_where(revision, operation)}: {reason}. {_then(hint)}{tail}")
        self.revision = revision
        self.reason = reason
        self.operation = operation  # the revision's statement that failed, and its line
        self.hint = hint


def exception_chain(exc: BaseException) -> Iterator[BaseException]:
    """*exc*, then what it was raised from or while handling, and so on (each once)."""
    seen: set[int] = set()
    found: BaseException | None = exc
    while found is not None and id(found) not in seen:
        seen.add(id(found))
        yield found
        found = found.__cause__ or found.__context__


def _what_was_kept(kept: bool, commits_midway: bool) -> str:
    if kept:
        return (
            "This database commits each DDL statement on its own, so what ran before "
            "the failure is kept: repair the schema by hand, then run the command again."
        )
    if commits_midway:
        return (
            "What its autocommit blocks and batched steps committed before the failure "
            "is kept (they are written to run again), the rest was rolled back; fix the "
            "revision and run the command again."
        )
    return "Nothing of it was kept; fix the revision and run the command again."


def failed_where(revision: str | None, operation: str | None) -> str:
    """``Migration abc123 failed at op.x(...) on line 12``: the start of a failure's message."""
    where = f"Migration {revision}" if revision else "The migration"
    return f"{where} failed at {operation}" if operation else f"{where} failed"


def _then(hint: str) -> str:
    return f"{hint} " if hint else ""


class ScratchDatabaseError(RemodelError):
    """The scratch database of ``flask db test`` could not be created or dropped."""

    exit_code = 4

    def __init__(self, masked_url: str, action: str, reason: str) -> None:
        super().__init__(
            f"Cannot {action} the scratch database at {masked_url}: {reason}. "
            "Give a user that may create databases, or pass --url with a server URL "
            "(for example postgresql://user@host/postgres)."
        )
        self.url = masked_url
        self.action = action
        self.reason = reason


class IrreversibleMigrationError(RemodelError):
    """Raise it in a revision's ``downgrade()`` that cannot be undone.

    ``flask db test`` reports such a revision as irreversible instead of failing
    it; ``flask db downgrade`` stops on it with this message.
    """

    def __init__(self, reason: str = "") -> None:
        why = f": {reason}" if reason else ""
        super().__init__(
            f"This revision cannot be downgraded{why}. Restore a backup taken before "
            "the upgrade, or write a downgrade() for it."
        )
        self.reason = reason


class MigrationTestFailedError(RemodelError):
    """``flask db test`` found at least one fault; names the first."""

    def __init__(self, revision: str | None, operation: str, reason: str, failures: int) -> None:
        where = f"at revision {revision}, {operation}" if revision else f"({operation})"
        more = f" (and {failures - 1} more failure(s) above)" if failures > 1 else ""
        super().__init__(
            f"Migration test failed {where}: {reason}{more}. "
            "Fix what it names, then run 'flask db test' again."
        )
        self.revision = revision
        self.operation = operation
        self.reason = reason
        self.failures = failures


class ModelsNotImportedError(AutogenerateError):
    """The models have no tables: almost always models the app never imported."""

    def __init__(self, consequence: str) -> None:
        super().__init__(
            f"The models have no tables, so {consequence}: the models were probably not "
            "imported. Import them where the app is created, then run the command again."
        )


class RenameUndecidedError(AutogenerateError):
    """A dropped column (or table) next to an added one, and no answer whether it was renamed.

    *candidates*: ``(old, new, option)`` for each, the option saying it was a rename.
    """

    def __init__(self, candidates: list[tuple[str, str, str]]) -> None:
        pairs = ", ".join(f"{old} -> {new}" for old, new, _ in candidates)
        options = " ".join(option for _, _, option in candidates)
        super().__init__(
            f"Possible rename(s) with no answer given (no input, or --no-input): {pairs}; "
            f"nothing was written. Run again with {options} for each that was renamed, "
            "or with --no-renames to drop and add (the dropped values are lost)."
        )
        self.candidates = candidates


class FillValueNeededError(AutogenerateError):
    """A required column needs a value for the rows already in its table."""

    def __init__(
        self, table: str, column: str, reason: str, renamed_from: tuple[str, ...] = ()
    ) -> None:
        # A renamed required column looks like a new one: the rename keeps the values.
        rename = " or ".join(f"--rename {table}.{old}={column}" for old in renamed_from)
        super().__init__(
            f"{table}.{column} is required (NOT NULL, no server default) and {reason}. "
            + (f"If it is a renamed column, run again with {rename}; otherwise g"
               if rename else "G")
            + f'ive a value for those rows with --default {table}.{column}="VALUE" '
            "(defaults={...} in the API), or run without --no-input to be asked, or "
            "give the column a server_default or make it nullable."
        )
        self.table = table
        self.column = column
        self.reason = reason
