"""The graph as a tree for the terminal.

A revision with one child is followed by that child on the next line at the
same depth, so a linear history of thousands of revisions stays flat; only a
branch point indents its children (``├─``, ``└─``). A merge is printed once,
under the first of its parents reached; its other parents end with a ``↳``
line that names it::

    ● 1a2b3c4d5e6f  Create users          applied
    ● 2b3c4d5e6f70  Add email             current, branch point
    ├─○ 3c4d5e6f7081  Add posts
    │ ○ 5e6f70819203  Merge               head, merge
    └─○ 4d5e6f708192  Add tags  (tags)
      ↳ 5e6f70819203 (merge, above)

``●`` marks revisions the database has applied, ``○`` the others.
"""

from __future__ import annotations

from .marks import first_line
from .marks import label_text
from .marks import marks
from .model import RevisionGraph


def render_text(graph: RevisionGraph) -> str:
    lines: list[tuple[str, str]] = []  # (tree part, marks)
    printed: set[str] = set()
    applied = graph.applied

    def line(prefix: str, revision: str) -> None:
        node = graph[revision]
        symbol = "●" if revision in applied else "○"
        parts = [f"{symbol} {revision}", first_line(node.message)]
        if label_text(graph, revision):
            parts.append(label_text(graph, revision))
        if node.depends_on:
            parts.append(f"[depends on {', '.join(node.depends_on)}]")
        lines.append((prefix + "  ".join(p for p in parts if p), ", ".join(marks(graph, revision))))

    # An explicit stack instead of recursion: histories have thousands of revisions.
    # Each entry: (revision, prefix for its own line, prefix for what follows it).
    stack: list[tuple[str, str, str]] = [
        (base, "", "") for base in reversed(graph.bases)
    ]
    while stack:
        revision, own, rest = stack.pop()
        if revision in printed:
            lines.append((f"{own}↳ {revision} (merge, above)", ""))
            continue
        printed.add(revision)
        line(own, revision)
        children = graph.children(revision)
        if len(children) == 1:
            stack.append((children[0], rest, rest))
            continue
        for index in reversed(range(len(children))):
            last = index == len(children) - 1
            stack.append(
                (children[index], rest + ("└─" if last else "├─"), rest + ("  " if last else "│ "))
            )
    width = max((len(tree) for tree, _ in lines), default=0)
    out = [f"{tree.ljust(width)}  {extra}".rstrip() if extra else tree for tree, extra in lines]
    return "\n".join(out) + ("\n" if out else "")
