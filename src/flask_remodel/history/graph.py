"""The revision graph of a plain history, built from the index alone.

Listing commands (``heads``, ``branches``, ``history``, ``show``) only need the
graph, yet going through Alembic's ``RevisionMap`` means importing Alembic,
which costs more than everything else those commands do. Most histories are
*plain*: every revision names its parents and nothing more (no ``depends_on``,
no branch labels). For those, this module answers what Alembic would, in the
order Alembic would, without importing it. Any other history, and any history
Alembic would warn or fail about (a duplicate id, a missing parent, a cycle),
raises :class:`NotPlainHistory` so the caller hands the folder to Alembic,
which stays the single source of truth for everything unusual.

The ordering rules mirrored here (checked against Alembic on random graphs by
``tests/history/test_listing_matches_alembic.py``):

* heads are the revisions nothing builds on, in file-listing order;
* ``history`` walks newest first: start from the heads in listing order and
  follow one line down until reaching a revision another pending head still
  builds on, then switch to that head; a merge point opens one line per
  parent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass

from .header import Header

# Alembic refuses revision ids that contain these (its relative-revision syntax).
_ILLEGAL_ID_CHARACTERS = frozenset("@-+")


class NotPlainHistory(Exception):
    """The history needs Alembic's own graph code; the message says why."""


@dataclass(frozen=True)
class IndexedRevision:
    """One revision as the index knows it: its file's header and its place in the folder."""

    revision: str
    parents: tuple[str, ...]
    doc: str | None
    path: str


class PlainGraph:
    """The graph of plain revisions, given in Alembic's file-listing order."""

    def __init__(self, revisions: Sequence[IndexedRevision]) -> None:
        self._order = [r.revision for r in revisions]
        self._by_id: dict[str, IndexedRevision] = {}
        for each in revisions:
            if not each.revision or _ILLEGAL_ID_CHARACTERS.intersection(each.revision):
                raise NotPlainHistory(f"revision id {each.revision!r} is one Alembic rejects")
            if each.revision in self._by_id:
                raise NotPlainHistory(f"revision {each.revision} is declared twice")
            if each.revision in each.parents or len(set(each.parents)) != len(each.parents):
                raise NotPlainHistory(f"revision {each.revision} lists a parent twice or itself")
            self._by_id[each.revision] = each
        children: dict[str, set[str]] = {rid: set() for rid in self._order}
        for each in revisions:
            for parent in each.parents:
                if parent not in children:
                    raise NotPlainHistory(f"{parent}, parent of {each.revision}, is missing")
                children[parent].add(each.revision)
        self._children = {rid: frozenset(kids) for rid, kids in children.items()}
        self._check_acyclic()

    @classmethod
    def from_headers(cls, headers: Iterable[tuple[str, Header]]) -> PlainGraph:
        """The graph of (path, header) pairs in listing order; raises if any is not plain."""
        revisions = []
        for path, header in headers:
            if header.branch_labels or header.depends_on:
                raise NotPlainHistory(f"{path} declares branch labels or depends_on")
            revisions.append(
                IndexedRevision(header.revision, _as_tuple(header.down_revision), header.doc, path)
            )
        return cls(revisions)

    def __contains__(self, revision: object) -> bool:
        return revision in self._by_id

    def __getitem__(self, revision: str) -> IndexedRevision:
        return self._by_id[revision]

    def __len__(self) -> int:
        return len(self._order)

    def children(self, revision: str) -> frozenset[str]:
        return self._children[revision]

    def heads(self) -> list[str]:
        """Revisions nothing builds on, in listing order (Alembic's ``get_heads()``)."""
        return [rid for rid in self._order if not self._children[rid]]

    def walk(self) -> Iterator[str]:
        """Every revision newest first, in the order ``walk_revisions()`` yields them."""
        position = {rid: i for i, rid in enumerate(self._order)}
        pending = set(self._order)
        lines = sorted(self.heads(), key=position.__getitem__)
        # ancestry[i]: what line i still has to pass through (itself included).
        ancestry = [self._ancestors(head) for head in lines]
        at = 0
        while lines:
            candidate = lines[at]
            blocking = next(
                (i for i, seen in enumerate(ancestry) if i != at and candidate in seen), None
            )
            if blocking is not None:
                at = blocking  # another head builds on this revision: walk that one first
                continue
            if candidate in pending:
                pending.discard(candidate)
                yield candidate
            parents = self._by_id[candidate].parents
            following = [p for p in parents if p in pending and p not in lines]
            if not following:
                del lines[at], ancestry[at]
                at = max(at - 1, 0)
            elif len(parents) == 1:
                lines[at] = following[0]
                ancestry[at].discard(candidate)
            else:
                lines[at] = following[0]
                lines.extend(following[1:])
                ancestry[at] = self._ancestors(following[0])
                ancestry.extend(self._ancestors(p) for p in following[1:])

    def _ancestors(self, revision: str) -> set[str]:
        found = {revision}
        todo = [revision]
        while todo:
            for parent in self._by_id[todo.pop()].parents:
                if parent not in found:
                    found.add(parent)
                    todo.append(parent)
        return found

    def _check_acyclic(self) -> None:
        waiting = {rid: len(set(self._by_id[rid].parents)) for rid in self._order}
        ready = [rid for rid, count in waiting.items() if count == 0]
        placed = 0
        while ready:
            rid = ready.pop()
            placed += 1
            for child in self._children[rid]:
                waiting[child] -= 1
                if waiting[child] == 0:
                    ready.append(child)
        if placed != len(self._order):
            raise NotPlainHistory("the revisions form a cycle")


def _as_tuple(ids: str | tuple[str, ...] | None) -> tuple[str, ...]:
    if ids is None:
        return ()
    return (ids,) if isinstance(ids, str) else tuple(ids)


def first_paragraph(longdoc: str) -> str:
    """The one-line message Alembic prints for a revision (``Script.doc``)."""
    return re.split("\n\n", longdoc)[0]
