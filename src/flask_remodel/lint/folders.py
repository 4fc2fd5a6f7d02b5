"""Linting a whole migrations folder: which revisions, and from what baseline."""

from __future__ import annotations

from collections.abc import Iterable
from os import PathLike

from alembic.script import ScriptDirectory

from ..errors import IncompatibleReleaseError
from .engine import RuleSelection
from .engine import lint_sources
from .errors import LintUsageError
from .history import before_baseline
from .history import lint_directory_sources
from .history import select_range
from .model import LintReport
from .model import Target
from .runner import UNKNOWN
from .runner import Runner


def lint_script_directory(
    script_dir: ScriptDirectory,
    target: Target,
    revisions: Iterable[str] | None = None,
    *,
    baseline: str | None = None,
    selection: RuleSelection | None = None,
    runner: Runner = UNKNOWN,
) -> LintReport:
    """Lint *revisions* (ids; default: all) of *script_dir* for *target*.

    Every revision is replayed offline so the schema before the linted ones is
    known; revisions up to and including *baseline* are never reported on.
    *runner* says what will run them (what it does, no revision need do).
    """
    try:
        wanted = list(revisions) if revisions is not None else select_range(script_dir, None)
        exempt = before_baseline(script_dir, baseline)
    except IncompatibleReleaseError:
        raise  # an Alembic that changed, not a bad revision name
    except Exception as exc:  # Alembic's ResolutionError / CommandError for a bad name
        raise LintUsageError(f"{exc}. Run 'flask db history' to list the revisions.") from exc
    wanted = [rev for rev in wanted if rev not in exempt]
    heads = tuple(script_dir.get_heads())
    return lint_sources(
        lint_directory_sources(script_dir, wanted),
        target,
        lint=wanted,
        selection=selection,
        heads=heads,
        runner=runner,
    )


def lint_directory(
    directory: str | PathLike[str],
    target: Target,
    revision_range: str | None = None,
    *,
    baseline: str | None = None,
    selection: RuleSelection | None = None,
    runner: Runner = UNKNOWN,
) -> LintReport:
    """Lint the migrations folder *directory*; *revision_range* as for ``flask db lint``."""
    script_dir = ScriptDirectory(str(directory))
    wanted = select_range(script_dir, revision_range)
    return lint_script_directory(
        script_dir, target, wanted, baseline=baseline, selection=selection, runner=runner
    )
