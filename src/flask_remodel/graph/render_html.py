"""The graph as one self-contained HTML page: an inline SVG laid out here, inline CSS.

Nothing is fetched: no script, font or stylesheet from the network or from
other files, so the page can be attached to a ticket or opened offline. Each
revision is a ``<g class="node" data-rev="...">`` with a circle and a label;
each edge a ``<path class="edge" data-from="..." data-to="...">`` that starts
at the centre of its older revision and ends at the centre of the newer one.
"""

from __future__ import annotations

from html import escape

from .layout import Layout
from .layout import Route
from .layout import lay_out
from .marks import first_line
from .marks import marks
from .model import RevisionGraph

ROW = 34  # px between revisions; labels are 13 px high, so rows never overlap
LANE = 22  # px between branch lanes
RADIUS = 7
TOP = 24
LEFT = 28
GAP = 22  # between the last lane and the labels
CHAR = 7.6  # a generous average glyph width at 13 px, for the SVG's width only
LANE_COLOURS = ("#3565b5", "#b35c00", "#7b3fa0", "#1f8a8a", "#a8324a", "#5f7d1e")

_CSS = """
:root { color-scheme: light; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif;
       color: #1d232b; background: #f6f7f9; }
header { padding: 18px 28px 10px; border-bottom: 1px solid #dde1e6; background: #fff; }
h1 { margin: 0 0 4px; font-size: 19px; font-weight: 600; }
.summary { margin: 0; color: #4b5563; }
.note { margin: 6px 0 0; color: #8a4b00; }
.legend { display: flex; flex-wrap: wrap; gap: 16px; margin: 10px 0 0; padding: 0;
          list-style: none; color: #4b5563; font-size: 13px; }
.legend svg { vertical-align: -6px; margin-right: 4px; }
main { padding: 12px 0 28px; overflow-x: auto; }
svg.graph { display: block; }
.stripe { fill: #ffffff; }
.edge { fill: none; stroke-width: 2; }
.edge.depends { stroke: #8b95a3; stroke-dasharray: 5 4; stroke-width: 1.5; }
.node circle { fill: #ffffff; stroke: #6b7380; stroke-width: 2; }
.node.applied circle { fill: #d9f2e0; stroke: #1f7a3a; }
.node.current circle { fill: #1f7a3a; stroke: #0d4d22; }
.node.head circle.ring { fill: none; stroke: #b35c00; stroke-width: 2; }
.node.merge circle.dot { fill: #6b7380; stroke: none; }
.node text { font-size: 13px; dominant-baseline: central; }
.node .rev { font: 600 12.5px ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
             fill: #1d232b; }
.node .msg { fill: #1d232b; }
.node .branch { fill: #7b3fa0; font-weight: 600; }
.node .mark { font-size: 11px; font-weight: 700; letter-spacing: .04em; }
.node .mark-current { fill: #1f7a3a; }
.node .mark-applied { fill: #3f8f57; }
.node .mark-head { fill: #b35c00; }
.node .mark-merge, .node .mark-branch-point { fill: #56606d; }
.node .depends { fill: #6b7380; font-style: italic; }
.node:hover .msg { text-decoration: underline; }
"""


def _x(layout: Layout, revision: str) -> float:
    return LEFT + layout[revision].lane * LANE


def _y(layout: Layout, revision: str) -> float:
    return TOP + layout[revision].row * ROW


def _route_path(layout: Layout, route: Route) -> str:
    """Down the route's lane; bends only just below the source and just above the target."""
    xs, ys = _x(layout, route.source), _y(layout, route.source)
    xt, yt = _x(layout, route.target), _y(layout, route.target)
    xl = LEFT + route.lane * LANE
    half = ROW / 2
    d = [f"M {xs:g} {ys:g}"]
    if xl != xs:
        d.append(f"C {xs:g} {ys + half * 0.7:g} {xl:g} {ys + half * 0.3:g} {xl:g} {ys + half:g}")
    if xl != xt:
        if yt - half > ys + (half if xl != xs else 0):
            d.append(f"L {xl:g} {yt - half:g}")
        d.append(f"C {xl:g} {yt - half * 0.3:g} {xt:g} {yt - half * 0.7:g} {xt:g} {yt:g}")
    else:
        d.append(f"L {xt:g} {yt:g}")
    return " ".join(d)


def _depends_path(layout: Layout, source: str, target: str) -> str:
    """A dashed arc to the left of the lanes, away from the labels."""
    xs, ys = _x(layout, source), _y(layout, source)
    xt, yt = _x(layout, target), _y(layout, target)
    bend = min(xs, xt) - LANE * 0.9
    return f"M {xs:g} {ys:g} C {bend:g} {ys:g} {bend:g} {yt:g} {xt:g} {yt:g}"


def _label(graph: RevisionGraph, revision: str) -> tuple[str, int]:
    """The label's tspans and its length in characters (for the SVG width)."""
    node = graph[revision]
    parts = [f'<tspan class="rev">{escape(revision)}</tspan>']
    length = len(revision)
    message = first_line(node.message)
    if message:
        parts.append(f'<tspan class="msg" dx="10">{escape(message)}</tspan>')
        length += len(message) + 2
    if node.branch_labels:
        text = f"({', '.join(node.branch_labels)})"
        parts.append(f'<tspan class="branch" dx="8">{escape(text)}</tspan>')
        length += len(text) + 2
    if node.depends_on:
        text = f"depends on {', '.join(node.depends_on)}"
        parts.append(f'<tspan class="depends" dx="8">{escape(text)}</tspan>')
        length += len(text) + 2
    for mark in marks(graph, revision):
        css = "mark-" + mark.replace(" ", "-")
        parts.append(f'<tspan class="mark {css}" dx="10">{escape(mark.upper())}</tspan>')
        length += len(mark) + 2
    return "".join(parts), length


def _summary(graph: RevisionGraph) -> str:
    counts = [
        f"{len(graph)} revision{'s' if len(graph) != 1 else ''}",
        f"{len(graph.heads)} head{'s' if len(graph.heads) != 1 else ''}",
    ]
    merges = sum(1 for n in graph.nodes if graph.is_merge(n.id))
    if merges:
        counts.append(f"{merges} merge{'s' if merges != 1 else ''}")
    if graph.current is not None:
        where = ", ".join(graph.current) if graph.current else "no revision (empty)"
        counts.append(f"database at {where}")
    else:
        counts.append("database not checked: applied revisions are not marked")
    return " · ".join(counts)


def _legend() -> str:
    def dot(fill: str, stroke: str, ring: bool = False) -> str:
        extra = (
            f'<circle cx="11" cy="11" r="{RADIUS + 2.5}" fill="none" stroke="#b35c00" '
            'stroke-width="2"/>'
            if ring
            else ""
        )
        return (
            f'<svg width="22" height="22" aria-hidden="true">{extra}<circle cx="11" cy="11" '
            f'r="{RADIUS - 1}" fill="{fill}" stroke="{stroke}" stroke-width="2"/></svg>'
        )

    items = [
        (dot("#1f7a3a", "#0d4d22"), "current (database is here)"),
        (dot("#d9f2e0", "#1f7a3a"), "applied"),
        (dot("#ffffff", "#6b7380"), "not applied"),
        (dot("#ffffff", "#6b7380", ring=True), "head"),
    ]
    return '<ul class="legend">' + "".join(f"<li>{a}{b}</li>" for a, b in items) + "</ul>"


def render_html(graph: RevisionGraph, title: str = "Revision graph", note: str = "") -> str:
    layout = lay_out(graph)
    labels = {n.id: _label(graph, n.id) for n in graph.nodes}
    label_x = LEFT + (layout.lanes - 1) * LANE + RADIUS + GAP
    longest = max((length for _, length in labels.values()), default=0)
    width = int(label_x + longest * CHAR + 40)
    height = int(TOP * 2 + max(len(graph) - 1, 0) * ROW)
    body: list[str] = []
    for node in graph.nodes:
        if layout[node.id].row % 2 == 0:
            body.append(
                f'<rect class="stripe" x="0" y="{_y(layout, node.id) - ROW / 2:g}" '
                f'width="{width}" height="{ROW}"/>'
            )
    for route in layout.routes:
        colour = LANE_COLOURS[route.lane % len(LANE_COLOURS)]
        body.append(
            f'<path class="edge" data-from="{escape(route.source)}" '
            f'data-to="{escape(route.target)}" stroke="{colour}" d="{_route_path(layout, route)}"/>'
        )
    for edge in graph.edges:
        if edge.kind == "depends":
            body.append(
                f'<path class="edge depends" data-from="{escape(edge.source)}" '
                f'data-to="{escape(edge.target)}" '
                f'd="{_depends_path(layout, edge.source, edge.target)}"/>'
            )
    for node in graph.nodes:
        x, y = _x(layout, node.id), _y(layout, node.id)
        classes = ["node", *(m.replace(" ", "-") for m in marks(graph, node.id))]
        tooltip = "\n".join(p for p in (node.id, node.message.strip(), node.path) if p)
        shapes = [f'<circle class="dot-base" cx="{x:g}" cy="{y:g}" r="{RADIUS}"/>']
        if graph.is_merge(node.id):
            shapes.append(f'<circle class="dot" cx="{x:g}" cy="{y:g}" r="2.5"/>')
        if graph.is_head(node.id):
            shapes.append(f'<circle class="ring" cx="{x:g}" cy="{y:g}" r="{RADIUS + 3.5}"/>')
        text, _ = labels[node.id]
        body.append(
            f'<g class="{" ".join(classes)}" data-rev="{escape(node.id)}">'
            f"<title>{escape(tooltip)}</title>{''.join(shapes)}"
            f'<text class="label" x="{label_x:g}" y="{y:g}">{text}</text></g>'
        )
    note_html = f'<p class="note">{escape(note)}</p>' if note else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"<header><h1>{escape(title)}</h1>"
        f'<p class="summary">{escape(_summary(graph))}</p>{note_html}{_legend()}</header>\n'
        f'<main><svg class="graph" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}">\n'
        + "\n".join(body)
        + "\n</svg></main>\n</body>\n</html>\n"
    )
