"""The graph in Graphviz DOT (``dot -Tsvg graph.dot > graph.svg``)."""

from __future__ import annotations

from .marks import first_line
from .marks import label_text
from .marks import marks
from .model import RevisionGraph


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def render_dot(graph: RevisionGraph) -> str:
    lines = [
        "digraph revisions {",
        "    rankdir=TB;",
        '    node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="Helvetica"];',
        '    edge [color="#555555"];',
    ]
    applied = graph.applied
    for node in graph.nodes:
        found = marks(graph, node.id)
        text = "\n".join(
            p
            for p in (
                node.id,
                first_line(node.message),
                " ".join(q for q in (label_text(graph, node.id), ", ".join(found)) if q),
            )
            if p
        )
        attrs = [f"label={_quote(text)}"]
        if graph.current is not None and node.id in graph.current:
            attrs.append('fillcolor="#1f7a3a", fontcolor="#ffffff"')
        elif node.id in applied:
            attrs.append('fillcolor="#d9f2e0"')
        if graph.is_head(node.id):
            attrs.append('penwidth=3, color="#b35c00"')
        if graph.is_merge(node.id):
            attrs.append("shape=hexagon")
        lines.append(f"    {_quote(node.id)} [{', '.join(attrs)}];")
    for edge in graph.edges:
        style = ' [style=dashed, label="depends on"]' if edge.kind == "depends" else ""
        lines.append(f"    {_quote(edge.source)} -> {_quote(edge.target)}{style};")
    lines.append("}")
    return "\n".join(lines) + "\n"
