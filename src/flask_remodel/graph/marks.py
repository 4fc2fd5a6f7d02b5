"""What is special about a revision, worded once for every renderer."""

from __future__ import annotations

from .model import RevisionGraph


def marks(graph: RevisionGraph, revision: str) -> list[str]:
    """Short words for *revision*: current, applied, head, merge, branch point, base."""
    found: list[str] = []
    if graph.current is not None:
        if revision in graph.current:
            found.append("current")
        elif revision in graph.applied:
            found.append("applied")
    if graph.is_head(revision):
        found.append("head")
    if graph.is_merge(revision):
        found.append("merge")
    if graph.is_branch_point(revision):
        found.append("branch point")
    return found


def label_text(graph: RevisionGraph, revision: str) -> str:
    """``(label, other)`` for the branch labels a revision declares, or ``""``."""
    labels = graph[revision].branch_labels
    return f"({', '.join(labels)})" if labels else ""


def first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else ""
