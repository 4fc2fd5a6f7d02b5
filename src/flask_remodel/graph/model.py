"""The revision graph as plain data: nodes, edges and what the database has applied.

Built from Alembic's public ``ScriptDirectory`` API and nothing else, so the
renderers in this package never import Flask or touch a database.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from typing import Literal

EdgeKind = Literal["parent", "depends"]


@dataclass(frozen=True)
class Node:
    """One revision."""

    id: str
    message: str
    parents: tuple[str, ...]
    """Its ``down_revision`` ids, in the order the file lists them."""
    depends_on: tuple[str, ...] = ()
    """Revisions it depends on without following them (``depends_on``), resolved to ids."""
    branch_labels: tuple[str, ...] = ()
    """The labels its own file declares (not the ones Alembic copies along the branch)."""
    path: str = ""


@dataclass(frozen=True)
class Edge:
    """From an older revision to one that builds on it (``parent``) or depends on it."""

    source: str
    target: str
    kind: EdgeKind = "parent"


@dataclass(frozen=True)
class RevisionGraph:
    """Every revision, oldest first in a topological order that keeps branches together.

    ``current`` is where the database is (its version table), or ``None`` when the
    database was not asked or could not be reached.
    """

    nodes: tuple[Node, ...]
    current: tuple[str, ...] | None = None
    _by_id: dict[str, Node] = field(init=False, repr=False, compare=False)
    _children: dict[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)
    _applied: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_id = {node.id: node for node in self.nodes}
        children: dict[str, list[str]] = {node.id: [] for node in self.nodes}
        for node in self.nodes:
            for parent in node.parents:
                if parent in children:
                    children[parent].append(node.id)
        object.__setattr__(self, "_by_id", by_id)
        object.__setattr__(self, "_children", {k: tuple(v) for k, v in children.items()})
        object.__setattr__(self, "_applied", self._ancestry(self.current or ()))

    def __getitem__(self, revision: str) -> Node:
        return self._by_id[revision]

    def __contains__(self, revision: object) -> bool:
        return revision in self._by_id

    def __len__(self) -> int:
        return len(self.nodes)

    def children(self, revision: str) -> tuple[str, ...]:
        return self._children[revision]

    @property
    def edges(self) -> tuple[Edge, ...]:
        found = [Edge(p, n.id) for n in self.nodes for p in n.parents if p in self._by_id]
        found += [
            Edge(d, n.id, "depends") for n in self.nodes for d in n.depends_on if d in self._by_id
        ]
        return tuple(found)

    @property
    def heads(self) -> tuple[str, ...]:
        return tuple(n.id for n in self.nodes if not self._children[n.id])

    @property
    def bases(self) -> tuple[str, ...]:
        return tuple(n.id for n in self.nodes if not n.parents)

    def is_head(self, revision: str) -> bool:
        return not self._children[revision]

    def is_merge(self, revision: str) -> bool:
        return len(self._by_id[revision].parents) > 1

    def is_branch_point(self, revision: str) -> bool:
        return len(self._children[revision]) > 1

    @property
    def database_known(self) -> bool:
        return self.current is not None

    @property
    def applied(self) -> frozenset[str]:
        """Revisions the database has run: the current ones and everything they need."""
        return self._applied

    def _ancestry(self, revisions: Iterable[str]) -> frozenset[str]:
        seen: set[str] = set()
        stack = [r for r in revisions if r in self._by_id]
        while stack:
            revision = stack.pop()
            if revision in seen:
                continue
            seen.add(revision)
            node = self._by_id[revision]
            stack.extend(r for r in (*node.parents, *node.depends_on) if r in self._by_id)
        return frozenset(seen)

    def with_current(self, current: Iterable[str] | None) -> RevisionGraph:
        return RevisionGraph(self.nodes, None if current is None else tuple(current))


def as_tuple(value: Any) -> tuple[str, ...]:
    """Alembic's ``None`` / id / tuple of ids, as a tuple."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def ordered(nodes: Mapping[str, Node]) -> tuple[Node, ...]:
    """Oldest first; each branch followed to its end (or to a merge) before the next.

    Depth-first: after placing a revision, the next one is a child of it whenever
    one is ready, so a branch's revisions sit next to each other. Ties go by the
    order Alembic listed the revisions, which keeps the result stable.
    """
    rank = {revision: index for index, revision in enumerate(nodes)}
    waiting = {
        revision: sum(1 for p in (*n.parents, *n.depends_on) if p in nodes)
        for revision, n in nodes.items()
    }
    followers: dict[str, list[str]] = {revision: [] for revision in nodes}
    for revision, node in nodes.items():
        for parent in {*node.parents, *node.depends_on}:
            if parent in nodes:
                followers[parent].append(revision)
    ready = sorted((r for r, count in waiting.items() if count == 0), key=rank.__getitem__)
    ready.reverse()  # a stack: the first base is placed first
    placed: list[Node] = []
    while ready:
        revision = ready.pop()
        placed.append(nodes[revision])
        unlocked = []
        for follower in followers[revision]:
            waiting[follower] -= 1
            if waiting[follower] == 0:
                unlocked.append(follower)
        ready.extend(sorted(unlocked, key=rank.__getitem__, reverse=True))
    if len(placed) != len(nodes):  # pragma: no cover - Alembic refuses cycles before this
        raise ValueError("the revisions form a cycle")
    return tuple(placed)


def from_scripts(
    scripts: Iterable[Any], resolve: Callable[[str], str | None] | None = None
) -> RevisionGraph:
    """The graph of Alembic ``Script`` objects (``ScriptDirectory.walk_revisions()``).

    *resolve* maps a ``depends_on`` entry (an id, a prefix or a branch label) to a
    revision id, or returns ``None``; by default entries are taken as ids.
    """
    found: dict[str, Node] = {}
    for script in scripts:
        module = getattr(script, "module", None)
        labels = as_tuple(getattr(module, "branch_labels", None))
        depends: list[str] = []
        for name in as_tuple(script.dependencies):
            target = resolve(name) if resolve is not None else name
            if target is not None:
                depends.append(target)
        found[script.revision] = Node(
            id=script.revision,
            message=(script.doc or "").strip(),
            parents=as_tuple(script.down_revision),
            depends_on=tuple(depends),
            branch_labels=tuple(sorted(labels)),
            path=str(script.path),
        )
    # walk_revisions goes newest first; reversing gives a stable oldest-first tie order.
    return RevisionGraph(ordered(dict(reversed(list(found.items())))))


def from_script_directory(script_directory: Any) -> RevisionGraph:
    """The graph of an Alembic ``ScriptDirectory``."""

    def resolve(name: str) -> str | None:
        try:
            found = script_directory.get_revision(name)
        except Exception:  # a label or id Alembic itself cannot resolve is left out
            return None
        return None if found is None else str(found.revision)

    return from_scripts(script_directory.walk_revisions(), resolve)
