"""The graph model and layout, against Alembic's own reading of the same files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic.script import ScriptDirectory

from flask_remodel.graph import RevisionGraph
from flask_remodel.graph.layout import lay_out
from graph.histories import linear


def test_model_matches_alembic(
    folder: Path, branchy_ids: dict[str, str], load: Callable[[], RevisionGraph]
) -> None:
    ids = branchy_ids
    graph = load()
    script = ScriptDirectory(str(folder))
    assert {n.id for n in graph.nodes} == {s.revision for s in script.walk_revisions()}
    assert set(graph.heads) == set(script.get_heads()) == {ids["f"], ids["h"]}
    assert graph.bases == (ids["a"],)
    assert [r for r in ids.values() if graph.is_merge(r)] == [ids["e"]]
    assert [r for r in ids.values() if graph.is_branch_point(r)] == [ids["b"]]
    assert graph[ids["e"]].parents == (ids["c"], ids["d"])
    assert graph[ids["g"]].depends_on == (ids["c"],)
    assert graph[ids["d"]].branch_labels == ("tags",)
    # Alembic copies labels along a branch; the model keeps only what the file declares.
    assert graph[ids["e"]].branch_labels == ()
    assert graph[ids["f"]].message == 'Index "posts" <title> & tags'


def test_order_puts_every_parent_and_dependency_first(
    branchy_ids: dict[str, str], load: Callable[[], RevisionGraph]
) -> None:
    graph = load()
    row = {n.id: i for i, n in enumerate(graph.nodes)}
    for edge in graph.edges:
        assert row[edge.source] < row[edge.target], edge


def test_applied_follows_parents_and_dependencies(
    branchy_ids: dict[str, str], load: Callable[[], RevisionGraph]
) -> None:
    ids = branchy_ids
    graph = load()
    assert graph.applied == frozenset() and not graph.database_known
    at_h = graph.with_current([ids["h"]])
    # h needs g, g needs b and (depends_on) c; d, e, f are not applied.
    assert at_h.applied == {ids[n] for n in "abcgh"}
    assert at_h.with_current([]).database_known
    assert at_h.with_current([]).applied == frozenset()


def test_layout_edges_never_run_through_another_revision(
    branchy_ids: dict[str, str], load: Callable[[], RevisionGraph]
) -> None:
    graph = load()
    layout = lay_out(graph)
    rows = sorted(p.row for p in layout.placed.values())
    assert rows == list(range(len(graph)))  # one revision per row
    assert {(r.source, r.target) for r in layout.routes} == {
        (e.source, e.target) for e in graph.edges if e.kind == "parent"
    }
    assert layout.lanes >= 2  # the branches did not all collapse into one lane
    for route in layout.routes:
        top, bottom = layout[route.source].row, layout[route.target].row
        for other in layout.placed.values():
            if top < other.row < bottom:
                assert other.lane != route.lane, (route, other)


def test_linear_history_is_one_lane(folder: Path, load: Callable[[], RevisionGraph]) -> None:
    ids = linear(folder / "versions", 40)
    graph = load()
    assert [n.id for n in graph.nodes] == ids
    assert lay_out(graph).lanes == 1
