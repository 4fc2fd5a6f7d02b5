"""``squash``: replace a straight run of revisions with one equivalent revision."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from alembic.script import ScriptDirectory

from ..async_bridge import for_async_db
from ..deploy.scripts import checksum
from ..errors import DatabaseUnreachableError
from ..errors import RemodelError
from ..errors import SquashError
from ..graph.model import as_tuple
from ..squash import Part
from ..squash import RangeError
from ..squash import SourceError
from ..squash import SquashPlan
from ..squash import compose
from ..squash import plan_squash
from ..squash import read_revision
from ..squash import slug
from ._session import PathArg
from ._session import Session
from ._session import guarded
from ._session import open_session


@dataclass(frozen=True)
class Squashed:
    """What :func:`squash` did."""

    revision: str
    """The squashed revision's id (TO's id)."""
    path: Path
    """Its new file."""
    replaced: tuple[str, ...]
    """The ids of the revisions it replaced, oldest first (TO's included)."""
    backup: Path | None
    """Where the original files were moved, or ``None`` if they were deleted."""


def _check_database(session: Session, script: ScriptDirectory, plan: SquashPlan) -> None:
    try:
        at = session.database_heads(script)
    except DatabaseUnreachableError:
        return  # nothing to protect that can be seen from here
    inside = [r for r in at if r in plan.removed]
    if inside:
        raise SquashError(
            f"the database is at {inside[0]}, inside the range, and would be stranded; "
            f"run 'flask db upgrade {plan.revision}' first (or pass --no-db to squash anyway)."
        )


def _backup_folder(session: Session, plan: SquashPlan) -> Path:
    base = session.folder / "squashed" / f"{plan.replaced[0]}-{plan.revision}"
    folder, count = base, 1
    while folder.exists():
        count += 1
        folder = base.with_name(f"{base.name}-{count}")
    return folder


def _forget_bytecode(path: Path) -> None:
    cache = path.parent / "__pycache__"
    for compiled in cache.glob(f"{path.stem}.*.pyc") if cache.is_dir() else ():
        compiled.unlink()


def _verify(session: Session, plan: SquashPlan, heads: set[str]) -> None:
    """The folder, read again from disk, has the squashed revision where TO was."""
    script = session.script_directory()
    found = script.get_revision(plan.revision)
    if found is None or tuple(sorted(as_tuple(found.down_revision))) != tuple(
        sorted(plan.down_revision)
    ):
        raise RemodelError(f"revision {plan.revision} did not load with the expected parent")
    if set(script.get_heads()) != heads:
        raise RemodelError("the heads changed")
    left = [r for r in plan.removed if _present(script, r)]
    if left:
        raise RemodelError(f"revision {left[0]} is still present")


def _present(script: ScriptDirectory, revision: str) -> bool:
    return any(s.revision == revision for s in script.walk_revisions())


@for_async_db
def squash(
    first: str,
    last: str,
    directory: PathArg = None,
    message: str | None = None,
    delete: bool = False,
    check_database: bool = True,
) -> Squashed:
    """Replace revisions *first* (FROM) .. *last* (TO) with one revision that has TO's id.

    The upgrade bodies are joined oldest first and the downgrade bodies newest
    first. The original files are moved to ``<migrations>/squashed/<FROM>-<TO>/``,
    or deleted with *delete*. With *check_database*, a reachable database that is
    inside the range stops the squash.

    :raises SquashError: the range is not a straight line, or a file cannot be joined.
    """
    session = open_session(directory)
    script = session.script_directory()
    with guarded(session, script, [first, last]):
        try:
            plan = plan_squash(script, first, last)
        except RangeError as exc:
            raise SquashError(str(exc)) from exc
    if check_database:
        _check_database(session, script, plan)
    paths = [Path(s.path) for s in plan.scripts]
    try:
        parts = [
            Part(s.revision, (s.doc or "").strip(), read_revision(p), checksum(p))
            for s, p in zip(plan.scripts, paths, strict=True)
        ]
        messages = [p.message for p in parts]
        text = message or f"Squash of {len(parts)} revisions: {messages[0]} .. {messages[-1]}"
        source = compose(plan, parts, text, datetime.now())
    except SourceError as exc:
        raise SquashError(f"{exc}.") from exc
    try:
        compile(source, "<squashed revision>", "exec")
    except SyntaxError as exc:  # pragma: no cover - compose only joins parsed pieces
        raise SquashError(
            f"the joined file would not compile ({exc.msg}); nothing changed."
        ) from exc
    heads = set(script.get_heads())
    target = paths[-1].parent / f"{plan.revision}_{slug(text)}.py"
    backup = _backup_folder(session, plan)
    backup.mkdir(parents=True)
    for path in paths:
        shutil.copy2(path, backup / path.name)
    (backup / "README.txt").write_text(
        "These revision files were replaced by 'flask db squash' with\n"
        f"{target}.\nThey are kept here, outside the versions folder, so Alembic does not "
        "load them.\nDelete this folder once every database is past "
        f"{plan.revision}.\n",
        encoding="utf-8",
    )
    staged = target.with_name(target.name + ".squash-tmp")
    staged.write_text(source, encoding="utf-8")
    for path in paths:
        path.unlink()
        _forget_bytecode(path)
    staged.replace(target)
    try:
        _verify(session, plan, heads)
    except Exception as exc:
        # Put everything back as it was: the new file out, the originals in.
        target.unlink()
        _forget_bytecode(target)
        for path in paths:
            shutil.copy2(backup / path.name, path)
        shutil.rmtree(backup)
        reason = exc.message if isinstance(exc, RemodelError) else f"{type(exc).__name__}: {exc}"
        raise SquashError(
            f"the squashed revision did not check out ({reason}); the original files were "
            "put back unchanged."
        ) from exc
    if delete:
        shutil.rmtree(backup)
        squashed = backup.parent
        if squashed.is_dir() and not any(squashed.iterdir()):
            squashed.rmdir()
    return Squashed(plan.revision, target, plan.replaced, None if delete else backup)
