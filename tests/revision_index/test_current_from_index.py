"""``current`` of a plain, single-database history, read from the index and the version table.

It must print what Alembic's ``current`` prints (its log lines aside), fail
the same way with ``--check-heads``, and hand every case it cannot answer
(a revision the folder lacks, no version table, several binds) to Alembic.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from flask_remodel.api.fast_path import open_fast_path
from support.apps import MadeApp

from .histories import draw
from .histories import write_history

ARGS = ([], ["-v"], ["--check-heads"], ["-v", "--check-heads"])


def _printed(output: str) -> str:
    return "".join(
        line for line in output.splitlines(keepends=True) if not line.startswith("INFO  [alembic")
    )


@contextmanager
def _alembic_never_loads(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def fail(*a: object, **kw: object) -> None:
        raise AssertionError("Alembic loaded the folder")

    with monkeypatch.context() as patched:
        patched.setattr("alembic.script.ScriptDirectory.from_config", fail)
        yield


def _both_paths(made: MadeApp, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[
    tuple[int, str], tuple[int, str]
]:
    """(exit code, output) of ``current`` on the index, then through Alembic."""
    with _alembic_never_loads(monkeypatch):
        fast = made.cli("current", *args)
    assert "INFO  [alembic" not in fast.output
    with monkeypatch.context() as patched:
        patched.setattr("flask_remodel.api.fast_path.plain_folder_graph", lambda folder: None)
        full = made.cli("current", *args)
    return (fast.exit_code, fast.output), (full.exit_code, _printed(full.output))


def _stamp(made: MadeApp, *revisions: str) -> None:
    with made.app.app_context():
        engine = made.db.engine
    with engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM alembic_version"))
        for revision in revisions:
            connection.execute(
                sa.text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": revision}
            )


def test_current_prints_what_alembic_prints(
    make_app: Callable[..., MadeApp], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = make_app()
    made.ok("init")
    history = write_history(
        made.migrations_dir / "versions", draw(14, 5, odd=False, plain=True), tmp_path / "m.txt"
    )
    ids = [rev.id for rev in history.revisions]
    made.ok("upgrade", "heads")
    parents = {p for rev in history.revisions for p in rev.down}
    heads = [i for i in ids if i not in parents]
    # At every head; at the heads but one (one of them behind); at a single
    # middle revision; at a merge's parents and a root at once; empty table.
    behind = [r.down[0] for r in history.revisions if r.id == heads[0] and r.down]
    cases = [heads, heads[1:] + behind, [ids[len(ids) // 2]], [ids[0], *heads[:1]], []]
    for case in cases:
        _stamp(made, *case)
        for args in ARGS:
            fast, full = _both_paths(made, monkeypatch, *args)
            assert fast == full, (case, args)
            if "--check-heads" in args and sorted(case) != sorted(heads):
                assert fast[0] == 6 and "not up to date" in fast[1].lower(), (case, fast)
        # The rows' order is the database's (MariaDB returns them by primary key).
        lines = _both_paths(made, monkeypatch)[0][1].splitlines()
        assert sorted(line.split()[0] for line in lines) == sorted(case)
        assert all(("(head)" in line) == (line.split()[0] in heads) for line in lines), lines


def test_a_revision_the_folder_lacks_is_alembics_error(
    make_app: Callable[..., MadeApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    made = make_app()
    made.ok("init")
    made.ok("revision", "-m", "first", "--rev-id", "aaa001")
    made.ok("upgrade")
    _stamp(made, "0ddba11")
    result = made.cli("current")
    with monkeypatch.context() as patched:
        patched.setattr("flask_remodel.api.fast_path.plain_folder_graph", lambda folder: None)
        full = made.cli("current")
    assert result.exit_code == full.exit_code == 5
    assert "0ddba11" in result.output and _printed(result.output) == _printed(full.output)


def test_no_version_table_goes_to_alembic(make_app: Callable[..., MadeApp]) -> None:
    made = make_app()
    made.ok("init")
    made.ok("revision", "-m", "first", "--rev-id", "aaa001")
    with made.app.app_context():
        fast = open_fast_path()
        assert fast is not None and fast.current() is None
    assert _printed(made.ok("current").output) == ""


def test_an_env_py_choosing_its_own_version_table_goes_to_alembic(
    make_app: Callable[..., MadeApp],
) -> None:
    made = make_app()
    made.ok("init")
    made.ok("revision", "-m", "first", "--rev-id", "aaa001")
    made.ok("upgrade")
    with made.app.app_context():
        fast = open_fast_path()
        assert fast is not None and fast.current() is not None and fast.at_heads("head")
        env = made.migrations_dir / "env.py"
        env.write_text(env.read_text() + "\n# context.configure(version_table='ours')\n")
        assert open_fast_path() is None
    assert _printed(made.ok("current").output) == "aaa001 (head)\n"
