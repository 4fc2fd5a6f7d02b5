"""The migrations folder as the linter needs it: revisions oldest first, and ranges.

Only Alembic's public ``ScriptDirectory`` is used, so this works for plain
Alembic projects too.
"""

from __future__ import annotations

import importlib.util
import inspect
from collections.abc import Collection
from collections.abc import Iterator
from pathlib import Path

from alembic.script import Script
from alembic.script import ScriptDirectory

from ..errors import IncompatibleReleaseError
from .errors import LintUsageError
from .recorder import RevisionSource


def ordered_scripts(script_dir: ScriptDirectory) -> list[Script]:
    """Every revision, each after all the revisions it builds on."""
    return list(reversed(list(script_dir.walk_revisions())))


def _read(path: str) -> str:
    # decode_source honours a PEP 263 coding line, as importing the file does.
    try:
        return importlib.util.decode_source(Path(path).read_bytes())
    except (OSError, UnicodeDecodeError, SyntaxError):
        return ""


def sources_for(script: Script) -> list[RevisionSource]:
    """One source per ``upgrade`` to run: several for multi-database templates."""
    module = script.module
    text = _read(script.path)
    upgrade = getattr(module, "upgrade", None)
    if upgrade is not None and not inspect.signature(upgrade).parameters:
        return [RevisionSource(script.revision, script.path, upgrade, text)]
    # Flask-Migrate's multidb template: upgrade(engine_name) dispatches to
    # upgrade_<engine_name>(); each bind is its own schema.
    found = [
        RevisionSource(
            script.revision, script.path, getattr(module, name), text, bind=name[len("upgrade_") :]
        )
        for name in sorted(vars(module))
        if name.startswith("upgrade_") and callable(getattr(module, name))
    ]
    return found or [RevisionSource(script.revision, script.path, None, text)]


def select_range(script_dir: ScriptDirectory, text: str | None) -> list[str]:
    """Revision ids named by *text*: ``A:B`` (after A up to B), ``A:``, ``:B``, or one id.

    ``None`` means every revision. Ids come back oldest first.
    """
    try:
        return _select_range(script_dir, text)
    except IncompatibleReleaseError:
        raise  # an Alembic that changed, not a bad range
    except Exception as exc:  # Alembic's ResolutionError / CommandError for a bad name
        raise LintUsageError(
            f"Bad revision range '{text}': {exc}. Write it as START:END (for example "
            "'base:head'), or give one revision; 'flask db history' lists them."
        ) from exc


def _select_range(script_dir: ScriptDirectory, text: str | None) -> list[str]:
    if text is None:
        return [s.revision for s in ordered_scripts(script_dir)]
    if ":" in text:
        lower, upper = (part.strip() for part in text.split(":", 1))
        found = script_dir.iterate_revisions(upper or "heads", lower or "base")
        ids = [s.revision for s in found if isinstance(s, Script)]
        # Alembic's range includes the lower end; 'A:B' lints what upgrading from A runs.
        if lower and lower != "base":
            start = script_dir.get_revision(lower)
            ids = [i for i in ids if start is None or i != start.revision]
        return list(reversed(ids))
    revision = script_dir.get_revision(text)
    if revision is None:
        return []
    return [revision.revision]


def before_baseline(script_dir: ScriptDirectory, baseline: str | None) -> set[str]:
    """The baseline revision and everything it builds on: exempt from linting."""
    if not baseline:
        return set()
    found = script_dir.iterate_revisions(baseline, "base")
    return {s.revision for s in found if isinstance(s, Script)}


def lint_directory_sources(
    script_dir: ScriptDirectory, wanted: Collection[str] | None = None
) -> Iterator[RevisionSource]:
    """Sources oldest first, ending with the last of *wanted* (default: every revision).

    Revisions after the last wanted one cannot change the schema it sees, and
    not reading them keeps ``upgrade`` from importing files it will not run.
    """
    remaining = None if wanted is None else set(wanted)
    for script in ordered_scripts(script_dir):
        if remaining is not None and not remaining:
            return
        yield from sources_for(script)
        if remaining is not None:
            remaining.discard(script.revision)
