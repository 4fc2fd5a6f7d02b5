"""The graph as a Mermaid flowchart (paste it into Markdown on GitHub or GitLab)."""

from __future__ import annotations

import re

from .marks import first_line
from .marks import label_text
from .marks import marks
from .model import RevisionGraph

# Mermaid reads its own entity codes inside quoted labels; these characters
# would otherwise end the label or be taken as markup.
_ESCAPES = {"&": "#amp;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "#": "#35;", "`": "#96;"}
_CLASSES = {
    "current": "fill:#1f7a3a,stroke:#0d4d22,color:#ffffff",
    "applied": "fill:#d9f2e0,stroke:#1f7a3a,color:#10361d",
    "head": "stroke:#b35c00,stroke-width:3px",
}


def _escape(text: str) -> str:
    return "".join(_ESCAPES.get(ch, ch) for ch in text)


def node_name(revision: str) -> str:
    """A Mermaid id for *revision* (ids may not start with a digit in every renderer)."""
    return "r_" + re.sub(r"[^0-9A-Za-z_]", "_", revision)


def render_mermaid(graph: RevisionGraph) -> str:
    lines = ["flowchart TD"]
    for name, style in _CLASSES.items():
        lines.append(f"    classDef {name} {style}")
    for node in graph.nodes:
        text = [node.id]
        if first_line(node.message):
            text.append(first_line(node.message))
        found = marks(graph, node.id)
        extra = " ".join(p for p in (label_text(graph, node.id), ", ".join(found)) if p)
        if extra:
            text.append(extra)
        body = "<br/>".join(_escape(t) for t in text)
        # Merges are drawn as hexagons so they stand out without colour.
        if graph.is_merge(node.id):
            lines.append(f'    {node_name(node.id)}{{{{"{body}"}}}}')
        else:
            lines.append(f'    {node_name(node.id)}["{body}"]')
    for edge in graph.edges:
        arrow = "-.->|depends on|" if edge.kind == "depends" else "-->"
        lines.append(f"    {node_name(edge.source)} {arrow} {node_name(edge.target)}")
    current = set(graph.current or ())
    members = {
        "current": [n.id for n in graph.nodes if n.id in current],
        "applied": [n.id for n in graph.nodes if n.id in graph.applied and n.id not in current],
        "head": list(graph.heads),
    }
    for name, revisions in members.items():
        if revisions:
            lines.append(f"    class {','.join(map(node_name, revisions))} {name}")
    return "\n".join(lines) + "\n"
