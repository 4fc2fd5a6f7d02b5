"""The listing commands without Alembic print what they print with it.

``heads``, ``branches``, ``history`` and ``show`` build a plain history's
graph from the index (``flask_remodel.history.graph``) and print it with
``RevisionRecord``; every other history goes through Alembic and is printed
by the same records. Both are compared here with Alembic's own ``Script``
objects and with the CLI run through Alembic, on random plain histories
(several roots, branches, merges), and each reason to fall back is checked to
fall back.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

import flask_remodel.api.listing
from flask_remodel._alembic import revision_record
from flask_remodel.history.folder import plain_folder_graph
from flask_remodel.history.graph import IndexedRevision
from flask_remodel.history.graph import NotPlainHistory
from flask_remodel.history.graph import PlainGraph
from flask_remodel.history.records import records_from_graph
from support.apps import MadeApp

from .histories import draw
from .histories import labels_sorted
from .histories import write_history

LINE_OPTIONS = [
    {"include_branches": b, "include_doc": d, "include_parents": p, "tree_indicators": t}
    for b in (False, True)
    for d in (False, True)
    for p in (False, True)
    for t in (False, True)
]
_BRANCHES_INTO = re.compile(r"Branches into: (.*)")


def _sorted_children(text: str) -> str:
    """*text* with the "Branches into:" list sorted: Alembic prints a set, in its order."""
    return _BRANCHES_INTO.sub(
        lambda m: "Branches into: " + ", ".join(sorted(m[1].split(", "))), text
    )


def _alembic(folder: Path) -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(folder))
    return ScriptDirectory.from_config(config)


def _plain_folder(tmp_path: Path, seed: int, n: int = 60) -> Path:
    folder = tmp_path / "migrations"
    (folder / "versions").mkdir(parents=True)
    (folder / "env.py").write_text("")
    (folder / "alembic.ini").write_text("[alembic]\n")
    write_history(folder / "versions", draw(n, seed, odd=False, plain=True), tmp_path / "imp.txt")
    return folder


@pytest.mark.parametrize("seed", range(8))
def test_plain_graph_orders_and_prints_like_alembic(tmp_path: Path, seed: int) -> None:
    folder = _plain_folder(tmp_path, seed)
    graph = plain_folder_graph(str(folder))
    assert graph is not None
    script = _alembic(folder)
    walked = list(script.walk_revisions())
    assert graph.heads() == script.get_heads()
    assert list(graph.walk()) == [s.revision for s in walked]
    assert len(graph) == len(walked)

    records = {r.revision: r for r in records_from_graph(graph, list(graph.walk()))}
    for each in walked:
        record = records[each.revision]
        assert record.path == each.path and record.doc == each.doc
        assert _sorted_children(record.log_entry()) == _sorted_children(each.log_entry)
        for options in LINE_OPTIONS:
            assert record.line(**options) == each.cmd_format(False, **options), options


@pytest.mark.parametrize("seed", range(4))
def test_records_of_any_history_print_like_alembic(tmp_path: Path, seed: int) -> None:
    """Labels, depends_on (effective heads) and imported files: the Alembic path's records."""
    folder = tmp_path / "migrations"
    write_history(folder / "versions", draw(50, seed), tmp_path / "imp.txt")
    for each in _alembic(folder).walk_revisions():
        record = revision_record(each, is_current=each.is_head)
        each._db_current_indicator = each.is_head  # what `history -i` sets
        assert labels_sorted(_sorted_children(record.log_entry())) == labels_sorted(
            _sorted_children(each.log_entry)
        )
        for options in LINE_OPTIONS:
            assert labels_sorted(record.line(**options)) == labels_sorted(
                each.cmd_format(False, **options)
            ), options


def _revision(rid: str, *parents: str) -> IndexedRevision:
    return IndexedRevision(rid, parents, None, f"/{rid}.py")


@pytest.mark.parametrize(
    ("revisions", "reason"),
    [
        ([_revision("a1"), _revision("a1")], "declared twice"),
        ([_revision("a1"), _revision("b2", "zz")], "missing"),
        ([_revision("a1", "b2"), _revision("b2", "a1")], "cycle"),
        ([_revision("a1", "a1")], "parent twice or itself"),
        ([_revision("a1"), _revision("b2", "a1", "a1")], "parent twice or itself"),
        ([_revision("a-1")], "Alembic rejects"),
    ],
)
def test_histories_alembic_would_warn_about_are_left_to_it(
    revisions: list[IndexedRevision], reason: str
) -> None:
    with pytest.raises(NotPlainHistory, match=reason):
        PlainGraph(revisions)


@pytest.fixture
def plain_project(make_app: Callable[..., MadeApp], tmp_path: Path) -> MadeApp:
    made = make_app()
    made.ok("init")
    write_history(
        made.migrations_dir / "versions", draw(40, 5, odd=False, plain=True), tmp_path / "i.txt"
    )
    return made


def _through_alembic(monkeypatch: pytest.MonkeyPatch, made: MadeApp, *args: str) -> str:
    with monkeypatch.context() as patched:
        patched.setattr(flask_remodel.api.listing, "indexed_graph", lambda directory=None: None)
        return made.ok(*args).output


@pytest.mark.backends("sqlite")
@pytest.mark.parametrize(
    "args",
    [
        ["heads"], ["heads", "-v"], ["heads", "--resolve-dependencies"], ["branches"],
        ["branches", "-v"], ["history"], ["history", "-v"], ["show", "heads"], ["show", "ID"],
    ],
)
def test_cli_listings_from_the_index_match_alembics(
    plain_project: MadeApp, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    made = plain_project
    with made.app.app_context():
        graph = flask_remodel.api.listing.indexed_graph()
    assert graph is not None, "a plain history in the default layout must not need Alembic"
    if args[-1] == "ID":
        args = [*args[:-1], list(graph.walk())[7]]

    def fail(*a: object, **kw: object) -> None:
        raise AssertionError("Alembic loaded the folder")

    expected = _sorted_children(_through_alembic(monkeypatch, made, *args))
    monkeypatch.setattr("alembic.script.ScriptDirectory.from_config", fail)
    assert _sorted_children(made.ok(*args).output) == expected


def _ini_with(setting: str) -> Callable[[MadeApp], None]:
    def change(made: MadeApp) -> None:
        ini = made.migrations_dir / "alembic.ini"
        ini.write_text(ini.read_text().replace("[alembic]\n", f"[alembic]\n{setting}\n", 1))

    return change


def _add_file(text: str) -> Callable[[MadeApp], None]:
    def change(made: MadeApp) -> None:
        head = made.ok("heads").output.split()[0]
        body = text.replace("HEAD", head)
        (made.migrations_dir / "versions" / "zz_odd.py").write_text(body)

    return change


def _configure_callback(made: MadeApp) -> None:
    made.migrate.configure(lambda config: config)


@pytest.mark.backends("sqlite")
@pytest.mark.parametrize(
    ("change", "exit_code"),
    [
        (_ini_with("version_locations = %(here)s/versions"), 0),
        (_ini_with("recursive_version_locations = true"), 0),
        (_ini_with("sourceless = false"), 0),
        (_configure_callback, 0),
        (_add_file("revision = 'zz01'\ndown_revision = 'HEAD'\nbranch_labels = ('x',)\n"), 0),
        (_add_file("revision = 'zz01'\ndown_revision = None\ndepends_on = 'HEAD'\n"), 0),
        (_add_file("revision = 'zz' + str(1)\ndown_revision = 'HEAD'\n"), 0),
        (_add_file("revision = 'zz01'\ndown_revision = 'nowhere'\n"), 5),
    ],
    ids=["version_locations", "recursive", "sourceless", "callback", "label", "depends_on",
         "computed", "dangling"],
)
def test_anything_unusual_is_answered_by_alembic(
    plain_project: MadeApp, change: Callable[[MadeApp], None], exit_code: int
) -> None:
    made = plain_project
    change(made)
    with made.app.app_context():
        assert flask_remodel.api.listing.indexed_graph() is None
    result = made.cli("heads")
    assert result.exit_code == exit_code, result.output
    if exit_code:  # Alembic's path reports the broken folder with its typed error
        assert "nowhere" in result.output and result.output.count("Error: ") == 1
    else:
        assert "(head)" in result.output
