"""Which revisions a squash replaces, checked against the whole graph first.

A squash may only replace a straight run of revisions: from FROM up to TO,
each the only child of the one before and the only parent of the one after.
The squashed revision takes TO's id and FROM's ``down_revision``, so every
database at or past TO, and every revision that builds on TO, is unaffected.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..graph.model import as_tuple


class RangeError(Exception):
    """The range cannot be squashed; the text says why and what to do."""


@dataclass(frozen=True)
class SquashPlan:
    scripts: tuple[Any, ...]
    """Alembic ``Script`` objects, oldest (FROM) first, TO last."""
    down_revision: tuple[str, ...]
    depends_on: tuple[str, ...]
    branch_labels: tuple[str, ...]

    @property
    def revision(self) -> str:
        return str(self.scripts[-1].revision)

    @property
    def replaced(self) -> tuple[str, ...]:
        return tuple(str(s.revision) for s in self.scripts)

    @property
    def removed(self) -> tuple[str, ...]:
        """The ids that disappear (all but TO's)."""
        return self.replaced[:-1]


def _one(script_directory: Any, name: str, role: str) -> Any:
    found = [s for s in script_directory.get_revisions(name) if s is not None]
    if len(found) != 1:
        listed = ", ".join(str(s.revision) for s in found) or "nothing"
        raise RangeError(
            f"{role} '{name}' names {len(found)} revisions ({listed}): "
            "give one revision id."
        )
    return found[0]


def _descends(script_directory: Any, older: str, newer: str) -> bool:
    """True if *newer* builds on *older* through ``down_revision`` links."""
    stack, seen = [newer], set()
    while stack:
        revision = stack.pop()
        if revision == older:
            return True
        if revision in seen:
            continue
        seen.add(revision)
        stack.extend(as_tuple(script_directory.get_revision(revision).down_revision))
    return False


def plan_squash(script_directory: Any, first: str, last: str) -> SquashPlan:
    """Check that FROM..TO (*first*, *last*) can be squashed and say what replaces it."""
    start = _one(script_directory, first, "FROM")
    end = _one(script_directory, last, "TO")
    if start.revision == end.revision:
        raise RangeError(
            f"FROM and TO are the same revision ({start.revision}): there is nothing to "
            "squash. Give the oldest and the newest revision of a range of two or more."
        )
    chain = [end]
    while chain[-1].revision != start.revision:
        current = chain[-1]
        parents = as_tuple(current.down_revision)
        if len(parents) > 1:
            if _descends(script_directory, start.revision, current.revision):
                raise RangeError(
                    f"Revision {current.revision} inside the range is a merge point (of "
                    f"{', '.join(parents)}); a squash takes a straight line only. Squash the "
                    "parts before and after the merge separately."
                )
            parents = ()
        if not parents:
            if _descends(script_directory, end.revision, start.revision):
                raise RangeError(
                    f"FROM ({start.revision}) is newer than TO ({end.revision}): give the "
                    f"oldest revision first, 'flask db squash {end.revision} {start.revision}'."
                )
            raise RangeError(
                f"Revision {end.revision} does not build on {start.revision} (they are on "
                "different branches): 'flask db graph' shows which revisions form a line."
            )
        chain.append(script_directory.get_revision(parents[0]))
    chain.reverse()
    inside = {s.revision for s in chain}
    for script in chain[:-1]:
        others = sorted(set(script.nextrev) - inside)
        if others:
            raise RangeError(
                f"Revision {script.revision} inside the range is a branch point: "
                f"{', '.join(others)} also build(s) on it, and would lose its parent. "
                f"Squash only up to {script.revision}, or merge the branches first."
            )
    removed = inside - {end.revision}
    for script in script_directory.walk_revisions():
        if script.revision in inside:
            continue
        needs = _resolved(script_directory, as_tuple(script.dependencies)) & removed
        if needs:
            raise RangeError(
                f"Revision {script.revision} depends on {', '.join(sorted(needs))}, which the "
                f"squash would remove: point its depends_on at {end.revision} first."
            )
    depends: list[str] = []
    for script in chain:
        for name in as_tuple(script.dependencies):
            if _resolved(script_directory, (name,)) & inside or name in depends:
                continue
            depends.append(name)
    labels: list[str] = []
    for script in chain:
        for label in as_tuple(getattr(script.module, "branch_labels", None)):
            if label not in labels:
                labels.append(label)
    return SquashPlan(
        tuple(chain), as_tuple(start.down_revision), tuple(depends), tuple(labels)
    )


def _resolved(script_directory: Any, names: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for name in names:
        try:
            found.update(str(s.revision) for s in script_directory.get_revisions(name) if s)
        except Exception:  # an unresolvable name cannot point into the range
            continue
    return found
