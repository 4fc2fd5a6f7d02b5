"""A plain history in the default folder layout, from the index alone: the fast path's graph.

Most histories are *plain*: every revision names its parents and nothing more
(no ``depends_on``, no branch labels), in the one ``versions/`` folder that
``alembic.ini`` leaves at Alembic's default listing. For those,
:func:`plain_folder_graph` lists the files as Alembic lists them, reads their
headers through the index and builds a :class:`PlainGraph`, without importing
Alembic (which costs more than everything else ``flask db heads`` does).

It answers ``None`` whenever Alembic's view could differ: a setting that moves
or widens the listing, a file the index must import, a label or a dependency,
or a graph Alembic would warn or fail about (a duplicate id, a missing parent,
a cycle). The graph answers only what the fast path asks (the heads and the
newest-first walk, in Alembic's order, each revision's parents and children), and
:class:`IndexedRevision` prints as Alembic's ``Script`` prints a plain
revision. Everything else runs on Alembic's graph over the same index
(:func:`flask_remodel._alembic.use_revision_index`).
"""

from __future__ import annotations

import configparser
import os
import re
import sys
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .cache import HeaderCache
from .header import Header
from .index import read_headers

# The file names Alembic's listing takes as revision sources (``_only_source_rev_file``).
_REVISION_FILE = re.compile(r"(?!\.\#|__init__)(.*\.py)$")
# alembic.ini settings that change which files are revisions, or where they live.
_LISTING_SETTINGS = ("version_locations", "recursive_version_locations", "sourceless")
# Alembic refuses revision ids that contain these (its relative-revision syntax).
_ILLEGAL_ID_CHARACTERS = frozenset("@-+")


class NotPlainHistory(Exception):
    """The history needs Alembic's own graph code; the message says why."""


@dataclass(frozen=True)
class IndexedRevision:
    """One revision of a plain history, printed as Alembic's ``Script`` prints it."""

    revision: str
    parents: tuple[str, ...]
    """``down_revision`` as a tuple, in the file's order."""
    longdoc: str
    """The module docstring, stripped (``Script.longdoc``)."""
    path: str
    children: frozenset[str]
    """Revisions built on this one (``Script.nextrev``)."""

    @property
    def doc(self) -> str:
        return re.split("\n\n", self.longdoc)[0]

    @property
    def is_head(self) -> bool:
        return not self.children

    @property
    def is_branch_point(self) -> bool:
        return len(self.children) > 1

    @property
    def is_merge_point(self) -> bool:
        return len(self.parents) > 1

    def cmd_format(
        self,
        verbose: bool,
        include_branches: bool = False,
        include_doc: bool = False,
        include_parents: bool = False,
        tree_indicators: bool = True,
    ) -> str:
        """``Script.cmd_format``: a plain revision has no labels, no dependencies."""
        if verbose:
            return self.log_entry
        text = f"{self._parents_text()} -> {self.revision}" if include_parents else self.revision
        text += _flags((self.is_head, "head"))
        if tree_indicators:
            text += _flags(
                (self.is_branch_point, "branchpoint"), (self.is_merge_point, "mergepoint")
            )
        return f"{text}, {self.doc}" if include_doc else text

    @property
    def log_entry(self) -> str:
        """``Script.log_entry``, ending in a newline."""
        flags = _flags(
            (self.is_head, "head"),
            (self.is_branch_point, "branchpoint"),
            (self.is_merge_point, "mergepoint"),
        )
        lines = [f"Rev: {self.revision}{flags}"]
        lines.append(f"{'Merges' if self.is_merge_point else 'Parent'}: {self._parents_text()}")
        if self.is_branch_point:
            lines.append(f"Branches into: {', '.join(self.children)}")
        lines.append(f"Path: {self.path}")
        body = "\n".join(f"    {paragraph}" for paragraph in self.longdoc.splitlines())
        return "\n".join(lines) + f"\n\n{body}\n"

    def _parents_text(self) -> str:
        return ", ".join(self.parents) if self.parents else "<base>"


def _flags(*flags: tuple[bool, str]) -> str:
    return "".join(f" ({name})" for on, name in flags if on)


class PlainGraph:
    """The graph of plain revisions, given as (path, header) pairs in Alembic's listing order."""

    def __init__(self, headers: Sequence[tuple[str, Header]]) -> None:
        parents: dict[str, tuple[str, ...]] = {}
        for path, header in headers:
            rid = header.revision
            if header.branch_labels or header.depends_on:
                raise NotPlainHistory(f"{path} declares branch labels or depends_on")
            if not rid or _ILLEGAL_ID_CHARACTERS.intersection(rid):
                raise NotPlainHistory(f"revision id {rid!r} is one Alembic rejects")
            if rid in parents:
                raise NotPlainHistory(f"revision {rid} is declared twice")
            down = _as_tuple(header.down_revision)
            if rid in down or len(set(down)) != len(down):
                raise NotPlainHistory(f"revision {rid} lists a parent twice or itself")
            parents[rid] = down
        children: dict[str, set[str]] = {rid: set() for rid in parents}
        for rid, down in parents.items():
            for parent in down:
                if parent not in children:
                    raise NotPlainHistory(f"{parent}, parent of {rid}, is missing")
                children[parent].add(rid)
        _check_acyclic(parents, children)
        no_docs = sys.flags.optimize >= 2  # run with -OO, Alembic's modules have no docstring
        self._revisions = {
            header.revision: IndexedRevision(
                header.revision, parents[header.revision],
                "" if no_docs else (header.doc or "").strip(), path,
                frozenset(children[header.revision]),
            )
            for path, header in headers
        }

    def __contains__(self, revision: object) -> bool:
        return revision in self._revisions

    def __getitem__(self, revision: str) -> IndexedRevision:
        return self._revisions[revision]

    def heads(self) -> list[IndexedRevision]:
        """Revisions nothing builds on, in listing order (Alembic's ``get_heads()``)."""
        return [each for each in self._revisions.values() if each.is_head]

    def walk(self) -> Iterator[IndexedRevision]:
        """Every revision newest first, in the order ``walk_revisions()`` yields them.

        Alembic's walk: start from the heads in listing order and follow one
        line down until reaching a revision another pending head still builds
        on, then switch to that head; a merge point opens one line per parent.
        """
        pending = set(self._revisions)
        lines = [each.revision for each in self.heads()]
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
                yield self._revisions[candidate]
            parents = self._revisions[candidate].parents
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
            for parent in self._revisions[todo.pop()].parents:
                if parent not in found:
                    found.add(parent)
                    todo.append(parent)
        return found


def _check_acyclic(parents: dict[str, tuple[str, ...]], children: dict[str, set[str]]) -> None:
    waiting = {rid: len(down) for rid, down in parents.items()}
    ready = [rid for rid, count in waiting.items() if count == 0]
    placed = 0
    while ready:
        rid = ready.pop()
        placed += 1
        for child in children[rid]:
            waiting[child] -= 1
            if waiting[child] == 0:
                ready.append(child)
    if placed != len(parents):
        raise NotPlainHistory("the revisions form a cycle")


def _as_tuple(ids: str | tuple[str, ...] | None) -> tuple[str, ...]:
    if ids is None:
        return ()
    return (ids,) if isinstance(ids, str) else tuple(ids)


def plain_folder_graph(folder: str) -> PlainGraph | None:
    """The graph of *folder* (a ``script_location``), or ``None``: ask Alembic."""
    if ":" in folder and not os.path.isabs(folder):
        return None  # "package:path", a location Alembic finds inside a package
    if not os.path.isfile(os.path.join(folder, "env.py")) or not _default_listing(folder):
        return None
    versions = Path(folder, "versions").absolute()
    try:
        paths = revision_files(versions) if versions.exists() else []
        if len(set(paths)) != len(paths):
            return None  # two names for one file: Alembic warns and skips one
        headers = read_headers(paths, HeaderCache(folder, [str(versions)]))
    except OSError:
        return None  # an unreadable or vanished file: Alembic reports it
    pairs: list[tuple[str, Header]] = []
    for path in paths:
        header = headers[path]
        if header is None:
            return None  # this file must be imported to be known
        pairs.append((path, header))
    try:
        return PlainGraph(pairs)
    except NotPlainHistory:
        return None


def _default_listing(folder: str) -> bool:
    """Whether ``alembic.ini`` leaves the revision listing at Alembic's defaults."""
    ini = os.path.join(folder, "alembic.ini")
    if not os.path.isfile(ini):
        return False  # Alembic's behaviour without the file is left to Alembic
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(ini, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return False
    if not parser.has_section("alembic"):
        return True
    return not any(parser.has_option("alembic", name) for name in _LISTING_SETTINGS)


def revision_files(versions: Path) -> list[str]:
    """The revision sources directly in *versions*, as Alembic lists them, paths resolved.

    Alembic sorts the folder's file names, skips anything that is not a
    ``.py`` source (``__init__.py``, editor lock files ``.#name.py``) and
    resolves each path (so ``show`` prints a symlink's target).
    """
    # The directory entries already say which names are links: no extra stat per file.
    with os.scandir(versions) as entries:
        files = sorted((e.name, e.is_symlink()) for e in entries if not e.is_dir())
    real_versions = str(versions.resolve())
    found = []
    for name, is_link in files:
        if not _REVISION_FILE.match(name):
            continue
        if is_link:
            found.append(str((versions / name).resolve()))
        else:
            found.append(os.path.join(real_versions, name))
    return found
