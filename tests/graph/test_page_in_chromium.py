"""The HTML page, as headless Chromium draws it (Debian's ``chromium``; ``make chromium``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask_remodel.graph import RevisionGraph
from flask_remodel.graph import render
from graph.chromium import measure
from graph.histories import linear

GREEN = "rgb(31, 122, 58)"
PALE_GREEN = "rgb(217, 242, 224)"
WHITE = "rgb(255, 255, 255)"
ORANGE = "rgb(179, 92, 0)"


def _overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def check_drawing(facts: dict[str, Any], graph: RevisionGraph) -> None:
    """What every graph page must look like, whatever the history."""
    nodes = facts["nodes"]
    assert set(nodes) == {n.id for n in graph.nodes}
    assert facts["resources"] == []  # nothing was fetched
    for rev, node in nodes.items():
        assert node["r"] > 3, rev
        assert node["text"].startswith(rev)
        first = graph[rev].message.splitlines()[0] if graph[rev].message else ""
        assert first in node["text"], rev
        # Marks are drawn: the fill and the head ring come from the page's CSS.
        if graph.current is not None and rev in graph.current:
            assert node["fill"] == GREEN and "CURRENT" in node["text"]
        elif rev in graph.applied:
            assert node["fill"] == PALE_GREEN and "APPLIED" in node["text"]
        else:
            assert node["fill"] == WHITE
        if graph.is_head(rev):
            assert node["ring"] == ORANGE and "HEAD" in node["text"]
        else:
            assert node["ring"] is None
    # Each edge starts at its older revision's circle and ends at the newer one's.
    drawn = {(e["source"], e["target"], e["depends"]) for e in facts["edges"]}
    assert drawn == {(e.source, e.target, e.kind == "depends") for e in graph.edges}
    for edge in facts["edges"]:
        for end, rev in (("start", edge["source"]), ("end", edge["target"])):
            x, y = edge[end]
            assert abs(x - nodes[rev]["cx"]) < 1 and abs(y - nodes[rev]["cy"]) < 1, edge
        assert edge["stroke"] not in ("none", "")
    # No label overlaps another label or any revision's circle.
    labels = sorted((n["label"], rev) for rev, n in nodes.items())
    boxes = [n["label"] for n in nodes.values()]
    for index, box in enumerate(boxes):
        assert box[2] - box[0] > 20 and box[3] - box[1] > 8
        for other in boxes[index + 1 :]:
            assert not _overlap(box, other), (box, other)
        for node in nodes.values():
            circle = [node["cx"] - node["r"], node["cy"] - node["r"],
                      node["cx"] + node["r"], node["cy"] + node["r"]]
            assert not _overlap(box, circle)
    assert labels


def test_branchy_history_is_drawn(
    tmp_path: Path, branchy_ids: dict[str, str], load: Callable[[], RevisionGraph]
) -> None:
    ids = branchy_ids
    graph = load().with_current([ids["c"], ids["h"]])
    page = tmp_path / "graph.html"
    page.write_text(render(graph, "html"), encoding="utf-8")
    facts = measure(page, tmp_path)
    check_drawing(facts, graph)
    nodes = facts["nodes"]
    # Branches sit side by side: d's lane is not the lane of c.
    assert nodes[ids["d"]]["cx"] != nodes[ids["c"]]["cx"]
    assert "MERGE" in nodes[ids["e"]]["text"] and "(tags)" in nodes[ids["d"]]["text"]
    assert "BRANCH POINT" in nodes[ids["b"]]["text"]
    # Rows go down in the page's order: a parent is always above its child.
    for edge in graph.edges:
        assert nodes[edge.source]["cy"] < nodes[edge.target]["cy"]


def test_long_linear_history_is_drawn(
    tmp_path: Path, folder: Path, load: Callable[[], RevisionGraph]
) -> None:
    ids = linear(folder / "versions", 300)
    graph = load().with_current([ids[149]])
    page = tmp_path / "graph.html"
    page.write_text(render(graph, "html"), encoding="utf-8")
    facts = measure(page, tmp_path)
    check_drawing(facts, graph)
    assert len({round(n["cx"]) for n in facts["nodes"].values()}) == 1
