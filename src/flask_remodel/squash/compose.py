"""The text of the squashed revision file.

Upgrade bodies are joined oldest first and downgrade bodies newest first, each
under a comment naming the revision it came from. Imports and other top-level
code (helpers, constants) are kept once each. Anything that would change
meaning when joined is refused instead: a body that returns early, a name one
body sets and another reads as a module name, two different definitions of one
top-level name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from .markers import CHECKSUMS
from .markers import MARKER
from .plan import SquashPlan
from .source import Function
from .source import RevisionSource
from .source import SourceError
from .source import Statement


@dataclass(frozen=True)
class Part:
    revision: str
    message: str
    source: RevisionSource
    checksum: str | None = None
    """SHA-256 of the file as it is now, what a ledger records when it runs."""


def _replaced(parts: Sequence[Part]) -> tuple[list[str], dict[str, list[str]]]:
    """Every id the squash replaces, oldest first, and the checksums each may have.

    A part that an earlier squash wrote passes on what that squash replaced, so
    databases that ran those older files stay accounted for.
    """
    ids: list[str] = []
    sums: dict[str, list[str]] = {}
    for part in parts:
        marks = part.source.marks
        for rid in (*marks.replaced, part.revision):
            if rid not in ids:
                ids.append(rid)
            known = [*marks.checksums.get(rid, ())]
            if rid == part.revision and part.checksum is not None:
                known.append(part.checksum)
            for each in known:
                if each not in sums.setdefault(rid, []):
                    sums[rid].append(each)
    return ids, {rid: found for rid, found in sums.items() if found}


def _checksums_literal(sums: dict[str, list[str]]) -> str:
    lines = [f"    {rid!r}: {tuple(found)!r}," for rid, found in sums.items()]
    return "{\n" + "\n".join(lines) + "\n}" if lines else "{}"


def _literal(values: Sequence[str]) -> str:
    if not values:
        return "None"
    if len(values) == 1:
        return repr(values[0])
    return repr(tuple(values))


def _top_level(parts: Sequence[Part]) -> list[Statement]:
    kept: list[Statement] = []
    bound: dict[str, tuple[str, str]] = {}  # name -> (statement text, revision)
    for part in parts:
        for statement in part.source.statements:
            for name in statement.names:
                seen = bound.get(name)
                if seen is not None and seen[0] != statement.text:
                    raise SourceError(
                        f"revisions {seen[1]} and {part.revision} both define '{name}' at "
                        "module level, differently; rename one of them and squash again"
                    )
                bound[name] = (statement.text, part.revision)
            if all(statement.text != other.text for other in kept):
                kept.append(statement)
    # __future__ imports must come first; then imports; then the rest, in file order.
    return (
        [s for s in kept if s.is_future]
        + [s for s in kept if s.is_import and not s.is_future]
        + [s for s in kept if not s.is_import]
    )


def _check_joinable(name: str, pieces: Sequence[tuple[Part, Function]]) -> None:
    for part, function in pieces:
        if function.returns_early:
            raise SourceError(
                f"{name}() of revision {part.revision} contains a return statement, so "
                "joining it with the other bodies would skip what follows; remove the "
                "return (e.g. use if/else) and squash again"
            )
    for part, function in pieces:
        free = function.loaded - function.assigned
        for other, theirs in pieces:
            clash = sorted(free & theirs.assigned) if other is not part else []
            if clash:
                raise SourceError(
                    f"{name}() of revision {other.revision} sets '{clash[0]}', which "
                    f"{name}() of revision {part.revision} reads from module level; joined, "
                    "it would read the other value. Rename the variable and squash again"
                )


def _functions(parts: Sequence[Part]) -> list[str]:
    names: list[str] = []
    for part in parts:
        names += [n for n in part.source.functions if n not in names]
    for required in ("downgrade", "upgrade"):
        if required not in names:
            names.insert(0, required)
    names.sort(key=lambda n: (not n.startswith("upgrade"), n != n.split("_")[0], n))
    blocks: list[str] = []
    for name in names:
        pieces = [(p, p.source.functions[name]) for p in parts if name in p.source.functions]
        if name.startswith("downgrade"):
            pieces.reverse()
        if not pieces:
            blocks.append(f"def {name}():\n    pass")
            continue
        signatures = {f.signature for _, f in pieces}
        if len(signatures) > 1:
            raise SourceError(
                f"the revisions declare {name}() differently ({' / '.join(sorted(signatures))}); "
                "make the signatures match and squash again"
            )
        bodies = {f.body for _, f in pieces}
        if pieces[0][1].takes_arguments:
            # A function with parameters is the multi-database dispatcher the
            # templates write ("upgrade(engine_name)"): the same in every file.
            if len(bodies) > 1:
                raise SourceError(
                    f"{name}() takes arguments and differs between the revisions, so its "
                    "bodies cannot be joined; make them the same and squash again"
                )
            blocks.append(f"{pieces[0][1].signature}\n{pieces[0][1].body}")
            continue
        _check_joinable(name, pieces)
        sections = [
            f"    # --- from {part.revision}: {part.message}\n{function.body}"
            for part, function in pieces
        ]
        blocks.append(pieces[0][1].signature + "\n" + "\n\n".join(sections))
    return blocks


def compose(plan: SquashPlan, parts: Sequence[Part], message: str, now: datetime) -> str:
    """The source of the revision that replaces *parts* (oldest first)."""
    down = _literal(plan.down_revision)
    replaced, sums = _replaced(parts)
    listing = "\n".join(f"    {p.revision}  {p.message}" for p in parts)
    head = (
        f'"""{message}\n\n'
        f"Revision ID: {plan.revision}\n"
        f"Revises: {', '.join(plan.down_revision)}\n"
        f"Create Date: {now.isoformat(sep=' ', timespec='seconds')}\n\n"
        "Squashed by 'flask db squash' from these revisions, oldest first:\n"
        f"{listing}\n"
        '"""\n\n'
    )
    statements = "\n".join(s.text for s in _top_level(parts))
    identifiers = (
        "# revision identifiers, used by Alembic.\n"
        f"revision = {plan.revision!r}\n"
        f"down_revision = {down}\n"
        f"branch_labels = {_literal(plan.branch_labels)}\n"
        f"depends_on = {_literal(plan.depends_on)}\n"
        "# The ids this revision replaced; a database still at one of them is told\n"
        "# how to proceed instead of getting 'Can't locate revision'.\n"
        f"{MARKER} = {tuple(replaced)!r}\n"
        "# The checksums a database's ledger may hold for them: 'flask db validate'\n"
        "# counts a database that ran the replaced files as matching this one.\n"
        f"{CHECKSUMS} = {_checksums_literal(sums)}\n"
    )
    return (
        head + statements + "\n\n" + identifiers + "\n\n" + "\n\n\n".join(_functions(parts)) + "\n"
    )


def slug(message: str) -> str:
    """A file-name part for *message*, as Alembic's default file template makes one."""
    words = re.findall(r"\w+", message.lower())
    return "_".join(words)[:40].rstrip("_") or "squash"
