"""A revision as the listing commands print it, and the lines they print.

The ``flask db`` listing commands print exactly what Alembic's commands print
(``Script.cmd_format`` and ``Script.log_entry``), whether the revisions came
from the index (:mod:`.graph`, without importing Alembic) or from Alembic's
own graph. Both are turned into a :class:`RevisionRecord` and printed here;
``tests/history/test_listing_matches_alembic.py`` holds the two outputs equal.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from .graph import PlainGraph
from .graph import first_paragraph


@dataclass(frozen=True)
class RevisionRecord:
    """What a listing shows about one revision."""

    revision: str
    parents: tuple[str, ...]
    """``down_revision`` as a tuple, in the file's order."""
    longdoc: str
    """The module docstring, stripped (``Script.longdoc``)."""
    path: str
    children: frozenset[str] = frozenset()
    """Revisions built on this one (``Script.nextrev``)."""
    dependencies: tuple[str, ...] = ()
    """``depends_on`` as the file declares it."""
    branch_labels: tuple[str, ...] = ()
    """Its labels, its own and those Alembic carries along the branch."""
    depended_on: bool = False
    """Another revision depends on it (it is then an "effective", not a real, head)."""
    is_current: bool = False
    """The database is at this revision (``history -i``, ``current``)."""

    @property
    def doc(self) -> str:
        return first_paragraph(self.longdoc)

    @property
    def is_head(self) -> bool:
        return not self.children

    @property
    def is_real_head(self) -> bool:
        return self.is_head and not self.depended_on

    @property
    def is_base(self) -> bool:
        return not self.parents

    @property
    def is_branch_point(self) -> bool:
        return len(self.children) > 1

    @property
    def is_merge_point(self) -> bool:
        return len(self.parents) > 1

    def line(
        self,
        include_branches: bool = False,
        include_doc: bool = False,
        include_parents: bool = False,
        tree_indicators: bool = True,
    ) -> str:
        """The one-line form (``Script.cmd_format`` without ``verbose``)."""
        text = self.revision
        if include_parents:
            if self.dependencies:
                text = f"{self._parents_text()} ({', '.join(self.dependencies)}) -> {text}"
            else:
                text = f"{self._parents_text()} -> {text}"
        if include_branches and self.branch_labels:
            text += f" ({', '.join(self.branch_labels)})"
        text += _flags(
            (self.is_real_head, "head"),
            (self.is_head and not self.is_real_head, "effective head"),
            (self.is_current, "current"),
        )
        if tree_indicators:
            text += _flags(
                (self.is_branch_point, "branchpoint"), (self.is_merge_point, "mergepoint")
            )
        if include_doc:
            text += f", {self.doc}"
        return text

    def log_entry(self) -> str:
        """The verbose form (``Script.log_entry``), ending in a newline."""
        flags = _flags(
            (self.is_head, "head"),
            (self.is_branch_point, "branchpoint"),
            (self.is_merge_point, "mergepoint"),
            (self.is_current, "current"),
        )
        lines = [f"Rev: {self.revision}{flags}"]
        lines.append(f"{'Merges' if self.is_merge_point else 'Parent'}: {self._parents_text()}")
        if self.dependencies:
            lines.append(f"Also depends on: {', '.join(self.dependencies)}")
        if self.is_branch_point:
            lines.append(f"Branches into: {', '.join(self.children)}")
        if self.branch_labels:
            lines.append(f"Branch names: {', '.join(self.branch_labels)}")
        lines.append(f"Path: {self.path}")
        body = "\n".join(f"    {paragraph}" for paragraph in self.longdoc.splitlines())
        return "\n".join(lines) + f"\n\n{body}\n"

    def format(self, verbose: bool, **line_options: bool) -> str:
        """``Script.cmd_format``: the verbose entry, or the line with *line_options*."""
        return self.log_entry() if verbose else self.line(**line_options)

    def _parents_text(self) -> str:
        return ", ".join(self.parents) if self.parents else "<base>"


def _flags(*flags: tuple[bool, str]) -> str:
    return "".join(f" ({name})" for on, name in flags if on)


def records_from_graph(graph: PlainGraph, revisions: list[str]) -> list[RevisionRecord]:
    """Records for *revisions* of an indexed *graph*."""
    found = []
    for rid in revisions:
        indexed = graph[rid]
        # Run with -OO, Python drops docstrings, so Alembic's imported module has none.
        doc = "" if sys.flags.optimize >= 2 else (indexed.doc or "").strip()
        found.append(
            RevisionRecord(rid, indexed.parents, doc, indexed.path, graph.children(rid))
        )
    return found
