"""Where each revision goes in a picture: one row per revision, branches in lanes.

Rows follow :attr:`RevisionGraph.nodes` (oldest first). Lanes work like the
tracks of ``git log --graph``: when a revision is placed, its lane is reserved
for its first child and every other child gets a lane of its own; a lane stays
reserved until that child is placed. A ``parent`` edge therefore runs straight
down its lane and only bends on the child's row, so it never passes through
another revision's circle, and labels, written to the right of every lane,
never overlap one another.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import RevisionGraph


@dataclass(frozen=True)
class Placed:
    revision: str
    row: int
    lane: int


@dataclass(frozen=True)
class Route:
    """A ``parent`` edge: leaves *source* down *lane*, enters *target* on its row."""

    source: str
    target: str
    lane: int


@dataclass(frozen=True)
class Layout:
    placed: dict[str, Placed]
    routes: tuple[Route, ...]
    lanes: int

    def __getitem__(self, revision: str) -> Placed:
        return self.placed[revision]


def _free_lane(lanes: list[str | None]) -> int:
    for index, holder in enumerate(lanes):
        if holder is None:
            return index
    lanes.append(None)
    return len(lanes) - 1


def lay_out(graph: RevisionGraph) -> Layout:
    # lanes[i] is the revision lane i is kept for, or None when it is free.
    lanes: list[str | None] = []
    # (parent, child) -> the lane the edge runs down; waiting[child]: lanes kept for it.
    reserved: dict[tuple[str, str], int] = {}
    waiting: dict[str, list[int]] = {}
    placed: dict[str, Placed] = {}
    for row, node in enumerate(graph.nodes):
        mine = sorted(waiting.pop(node.id, ()))
        lane = mine[0] if mine else _free_lane(lanes)
        for other in mine:
            lanes[other] = None
        lanes[lane] = None
        placed[node.id] = Placed(node.id, row, lane)
        for index, child in enumerate(graph.children(node.id)):
            target = lane if index == 0 else _free_lane(lanes)
            lanes[target] = child
            reserved[(node.id, child)] = target
            waiting.setdefault(child, []).append(target)
    routes = tuple(
        Route(parent, child, lane) for (parent, child), lane in reserved.items()
    )
    return Layout(placed, routes, max(1, len(lanes)))
