"""Text, Mermaid, DOT and the HTML page's markup, without a browser or a database."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from flask_remodel.graph import RevisionGraph
from flask_remodel.graph import render
from graph.histories import linear


def test_text_tree_shows_each_revision_once_with_its_marks(
    branchy_ids: dict[str, str], load: Callable[[], RevisionGraph]
) -> None:
    ids = branchy_ids
    text = render(load().with_current([ids["c"]]), "text")
    lines = text.splitlines()
    for name, rev in ids.items():
        own = [line for line in lines if re.search(rf"[●○] {rev}\b", line)]
        assert len(own) == 1, (name, text)
    by = {name: next(line for line in lines if f" {rev} " in line) for name, rev in ids.items()}
    assert by["a"].lstrip().startswith("● ") and by["b"].endswith("applied, branch point")
    assert "○" in by["d"] and by["c"].endswith("current")
    assert by["f"].endswith("head") and by["h"].endswith("head")
    assert by["e"].endswith("merge")
    assert "(tags)" in by["d"] and f"[depends on {ids['c']}]" in by["g"]
    # The merge's second parent points back at it instead of printing it twice.
    assert f"↳ {ids['e']} (merge, above)" in text
    # b's three children hang off it with tree connectors.
    assert sum(line.lstrip("│ ").startswith(("├─", "└─")) for line in lines) == 3


def test_text_tree_of_a_long_linear_history_stays_flat(
    folder: Path, load: Callable[[], RevisionGraph]
) -> None:
    ids = linear(folder / "versions", 1500)
    lines = render(load().with_current([ids[99]]), "text").splitlines()
    assert len(lines) == 1500
    assert all(line.startswith(("● ", "○ ")) for line in lines)
    assert sum(line.startswith("● ") for line in lines) == 100


def test_without_a_database_nothing_is_marked_applied(
    branchy_ids: dict[str, str], load: Callable[[], RevisionGraph]
) -> None:
    graph = load()
    text = render(graph, "text")
    assert "●" not in text and "applied" not in text and "current" not in text
    assert text.count("○") == len(branchy_ids)
    assert not re.search(r"^    class \S+ (applied|current)$", render(graph, "mermaid"), re.M)
    assert "#1f7a3a" not in render(graph, "dot") and "#d9f2e0" not in render(graph, "dot")
    assert not re.search(r'class="node[^"]*\b(applied|current)\b', render(graph, "html"))


def test_mermaid_declares_every_node_and_edge(
    branchy_ids: dict[str, str], load: Callable[[], RevisionGraph]
) -> None:
    ids = branchy_ids
    out = render(load().with_current([ids["g"]]), "mermaid")
    assert out.startswith("flowchart TD\n")
    for rev in ids.values():
        assert len(re.findall(rf"^    r_{rev}[\[{{]", out, re.M)) == 1
    assert f"r_{ids['c']} --> r_{ids['e']}" in out and f"r_{ids['d']} --> r_{ids['e']}" in out
    assert f"r_{ids['c']} -.->|depends on| r_{ids['g']}" in out
    assert f"r_{ids['e']}{{{{" in out  # the merge is a hexagon
    assert f"class r_{ids['g']} current" in out
    applied = re.search(r"^    class (\S+) applied$", out, re.M)
    assert applied and set(applied.group(1).split(",")) == {f"r_{ids[n]}" for n in "abc"}
    # Quotes and angle brackets in a message cannot end the label early.
    assert "#quot;posts#quot; #lt;title#gt; #amp; tags" in out
    assert out.count('"') % 2 == 0


def test_dot_declares_every_node_and_edge(
    branchy_ids: dict[str, str], load: Callable[[], RevisionGraph]
) -> None:
    ids = branchy_ids
    out = render(load().with_current([ids["a"]]), "dot")
    assert out.startswith("digraph revisions {") and out.rstrip().endswith("}")
    for rev in ids.values():
        assert len(re.findall(rf'^    "{rev}" \[', out, re.M)) == 1
    edges = re.findall(r'^    "(\w+)" -> "(\w+)"( \[style=dashed)?', out, re.M)
    assert len(edges) == 9
    assert (ids["c"], ids["g"], " [style=dashed") in edges
    assert '\\"posts\\"' in out
    assert re.search(rf'"{ids["a"]}" \[label="[^"]*current", fillcolor="#1f7a3a"', out)


def test_html_page_is_self_contained(
    branchy_ids: dict[str, str], load: Callable[[], RevisionGraph]
) -> None:
    out = render(load(), "html", note="database <unreachable>")
    assert out.startswith("<!DOCTYPE html>")
    assert "database &lt;unreachable&gt;" in out
    assert "<script" not in out and "<link" not in out and "<img" not in out
    assert "@import" not in out and "url(" not in out
    # The only URL is the SVG namespace, which is a name, not something fetched.
    assert re.findall(r"https?://[^\s\"']+", out) == ["http://www.w3.org/2000/svg"]
    assert out.count('class="node') == len(branchy_ids)


def test_an_empty_folder_draws_an_empty_graph(load: Callable[[], RevisionGraph]) -> None:
    graph = load()
    assert len(graph) == 0 and graph.heads == ()
    assert render(graph, "text") == ""
    assert render(graph, "mermaid").splitlines()[0] == "flowchart TD"
    assert "->" not in render(graph, "dot")
    html = render(graph, "html")
    assert "0 revisions · 0 heads" in html and 'class="node' not in html
