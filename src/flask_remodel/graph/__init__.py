"""The revision graph, independent of Flask: a model, a layout and four renderers.

``from_script_directory(ScriptDirectory)`` builds a :class:`RevisionGraph`;
:func:`render` turns it into text, Mermaid, DOT or an HTML page.
"""

from __future__ import annotations

from collections.abc import Callable

from .model import Edge
from .model import Node
from .model import RevisionGraph
from .model import from_script_directory
from .model import from_scripts
from .render_dot import render_dot
from .render_html import render_html
from .render_mermaid import render_mermaid
from .render_text import render_text

RENDERERS: dict[str, Callable[[RevisionGraph], str]] = {
    "text": render_text,
    "mermaid": render_mermaid,
    "dot": render_dot,
    "html": render_html,
}
"""Renderers by the name ``flask db graph --format`` takes."""

FORMATS = tuple(RENDERERS)


def render(graph: RevisionGraph, format: str = "text", note: str = "") -> str:
    """*graph* in *format* (one of :data:`FORMATS`); *note* appears on the HTML page."""
    if format == "html":
        return render_html(graph, note=note)
    return RENDERERS[format](graph)


__all__ = [
    "FORMATS",
    "RENDERERS",
    "Edge",
    "Node",
    "RevisionGraph",
    "from_script_directory",
    "from_scripts",
    "render",
    "render_dot",
    "render_html",
    "render_mermaid",
    "render_text",
]
