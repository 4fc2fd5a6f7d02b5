"""The fast path prints what Alembic prints, and hands Alembic everything else.

``heads``, a whole ``history`` and ``current`` (and the no-op ``upgrade``,
see ``test_noop_upgrade.py``) answer a plain history from the index without
Alembic (``flask_remodel.api.fast_path``). Here its graph, its order and its
printed revisions are compared with Alembic's own ``Script`` objects on random
plain histories (several roots, branches, merges), the CLI's ``heads`` and
``history`` with the same command run through Alembic, and each reason to say
no is checked to say no.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from flask_remodel.api.fast_path import open_fast_path
from flask_remodel.revision_index import Header
from flask_remodel.revision_index.plain import NotPlainHistory
from flask_remodel.revision_index.plain import PlainGraph
from flask_remodel.revision_index.plain import plain_folder_graph
from support.apps import MadeApp

from .histories import draw
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
    assert [each.revision for each in graph.heads()] == list(script.get_heads())
    walked = list(script.walk_revisions())
    assert [each.revision for each in graph.walk()] == [each.revision for each in walked]
    for each in walked:
        indexed = graph[each.revision]
        assert indexed.path == each.path and indexed.doc == each.doc
        assert _sorted_children(indexed.log_entry) == _sorted_children(each.log_entry)
        for options in LINE_OPTIONS:
            for verbose in (False, True):
                assert _sorted_children(indexed.cmd_format(verbose, **options)) == (
                    _sorted_children(each.cmd_format(verbose, **options))
                ), options


def _header(rid: str, *parents: str) -> tuple[str, Header]:
    return f"/{rid}.py", Header(rid, parents or None)


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ([_header("a1"), _header("a1")], "declared twice"),
        ([_header("a1"), _header("b2", "zz")], "missing"),
        ([_header("a1", "b2"), _header("b2", "a1")], "cycle"),
        ([_header("a1", "a1")], "parent twice or itself"),
        ([_header("a1"), _header("b2", "a1", "a1")], "parent twice or itself"),
        ([_header("a-1")], "Alembic rejects"),
        ([("/a1.py", Header("a1", branch_labels="x"))], "branch labels"),
        ([_header("a1"), ("/b2.py", Header("b2", depends_on="a1"))], "depends_on"),
    ],
)
def test_histories_alembic_would_warn_about_are_left_to_it(
    headers: list[tuple[str, Header]], reason: str
) -> None:
    with pytest.raises(NotPlainHistory, match=reason):
        PlainGraph(headers)


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
        patched.setattr("flask_remodel.api.fast_path.plain_folder_graph", lambda folder: None)
        return made.ok(*args).output


@pytest.mark.backends("sqlite")
@pytest.mark.parametrize(
    "args",
    [
        ["heads"], ["heads", "-v"], ["heads", "--resolve-dependencies"], ["heads", "--check"],
        ["history"], ["history", "-v"],
    ],
)
def test_heads_and_history_from_the_fast_path_match_alembics(
    plain_project: MadeApp, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    made = plain_project
    if args == ["heads", "--check"]:
        made.ok("merge", "heads", "-m", "join", "--rev-id", "ffff0001")
    with made.app.app_context():
        assert open_fast_path() is not None, "a plain history in the default layout"

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


def _env_names_version_table(made: MadeApp) -> None:
    env = made.migrations_dir / "env.py"
    env.write_text(env.read_text() + "\n# context.configure(version_table='ours')\n")


@pytest.mark.backends("sqlite")
@pytest.mark.parametrize(
    ("change", "exit_code"),
    [
        (_ini_with("version_locations = %(here)s/versions"), 0),
        (_ini_with("recursive_version_locations = true"), 0),
        (_ini_with("sourceless = false"), 0),
        (_configure_callback, 0),
        (_env_names_version_table, 0),
        (_add_file("revision = 'zz01'\ndown_revision = 'HEAD'\nbranch_labels = ('x',)\n"), 0),
        (_add_file("revision = 'zz01'\ndown_revision = None\ndepends_on = 'HEAD'\n"), 0),
        (_add_file("revision = 'zz' + str(1)\ndown_revision = 'HEAD'\n"), 0),
        (_add_file("revision = 'zz01'\ndown_revision = 'nowhere'\n"), 5),
    ],
    ids=["version_locations", "recursive", "sourceless", "callback", "version_table", "label",
         "depends_on", "computed", "dangling"],
)
def test_anything_unusual_is_answered_by_alembic(
    plain_project: MadeApp, change: Callable[[MadeApp], None], exit_code: int
) -> None:
    made = plain_project
    change(made)
    with made.app.app_context():
        assert open_fast_path() is None
    result = made.cli("heads")
    assert result.exit_code == exit_code, result.output
    if exit_code:  # Alembic's path reports the broken folder with its typed error
        assert "nowhere" in result.output and result.output.count("Error: ") == 1
    else:
        assert "(head)" in result.output


@pytest.mark.backends("sqlite")
def test_several_databases_are_answered_by_alembic(
    make_app: Callable[..., MadeApp], make_database: Callable[..., str], tmp_path: Path
) -> None:
    made = make_app(binds={"other": make_database("other")})
    made.ok("init", "--multidb")
    made.ok("revision", "-m", "first", "--rev-id", "aaa001")
    with made.app.app_context():
        assert open_fast_path() is None
    assert made.ok("heads").output == "aaa001 (head)\n"
