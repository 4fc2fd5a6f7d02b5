"""Joining revision files, checked by running the joined functions against a recording ``op``."""

from __future__ import annotations

import textwrap
import types
from datetime import datetime
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from flask_remodel.squash import Part
from flask_remodel.squash import SourceError
from flask_remodel.squash import SquashMarks
from flask_remodel.squash import compose
from flask_remodel.squash import plan_squash
from flask_remodel.squash import read_marks
from flask_remodel.squash import read_revision

MULTIDB = '''"""{message}

Revision ID: {rev}
"""
from alembic import op
import sqlalchemy as sa
{extra}

revision = {rev!r}
down_revision = {down!r}
branch_labels = None
depends_on = None


def upgrade(engine_name):
    globals()[f"upgrade_{{engine_name}}"]()


def downgrade(engine_name):
    globals()[f"downgrade_{{engine_name}}"]()


def upgrade_():
    op.log("up default {rev}")


def downgrade_():
    op.log("down default {rev}")


def upgrade_users():
    op.log("up users {rev}")
    # trailing comment of {rev}


def downgrade_users():
    pass
'''


def _write(versions: Path, rev: str, down: str | None, extra: str = "") -> None:
    text = MULTIDB.format(message=f"Step {rev}", rev=rev, down=down, extra=extra)
    (versions / f"{rev}_step.py").write_text(text, encoding="utf-8")


def _joined(tmp_path: Path, first: str, last: str) -> str:
    script = ScriptDirectory(str(tmp_path))
    plan = plan_squash(script, first, last)
    parts = [Part(s.revision, s.doc, read_revision(Path(s.path))) for s in plan.scripts]
    return compose(plan, parts, "Joined", datetime(2026, 1, 2, 3, 4, 5))


def _run(source: str, *calls: tuple[str, str]) -> list[str]:
    log: list[str] = []
    module = types.ModuleType("joined")
    module.__dict__["__builtins__"] = __builtins__
    exec(compile(source, "joined", "exec"), module.__dict__)
    module.__dict__["op"] = types.SimpleNamespace(log=log.append)
    for name, arg in calls:
        getattr(module, name)(arg)
    return log


def test_multidb_revisions_join_per_database(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    _write(versions, "aaa", None)
    _write(versions, "bbb", "aaa", extra="from datetime import date")
    _write(versions, "ccc", "bbb")
    _write(versions, "ddd", "ccc")
    source = _joined(tmp_path, "bbb", "ddd")
    # The dispatchers, the same in every file, are written once; the rest is joined.
    assert source.count("def upgrade(engine_name):") == 1
    assert source.count("def upgrade_users():") == 1
    assert source.count("from datetime import date") == 1
    assert "trailing comment of ccc" in source
    assert "revision = 'ddd'\ndown_revision = 'aaa'\n" in source
    assert "squashed_revisions = ('bbb', 'ccc', 'ddd')" in source
    assert "Create Date: 2026-01-02 03:04:05" in source
    assert _run(source, ("upgrade", ""), ("upgrade", "users"), ("downgrade", "")) == [
        "up default bbb", "up default ccc", "up default ddd",
        "up users bbb", "up users ccc", "up users ddd",
        "down default ddd", "down default ccc", "down default bbb",
    ]
    assert _run(source, ("downgrade", "users")) == []


def test_read_revision_keeps_comments_and_odd_indentation(tmp_path: Path) -> None:
    path = tmp_path / "x.py"
    path.write_text(
        textwrap.dedent(
            '''\
            """Doc."""
            revision = "x"
            down_revision = None


            def upgrade() -> None:
              # two-space indent, kept as code
              op.execute("""
            SELECT 1
            """)


            def downgrade(): pass
            '''
        ),
        encoding="utf-8",
    )
    found = read_revision(path)
    up = found.functions["upgrade"]
    assert up.signature == "def upgrade() -> None:"
    assert up.body.splitlines()[0] == "    # two-space indent, kept as code"
    assert "op.execute(\"\"\"\nSELECT 1\n\"\"\")" in up.body and not up.returns_early
    assert found.functions["downgrade"].body == "    pass"
    assert found.statements == []  # docstring and identifiers are rewritten, not copied


def test_plan_accepts_a_branch_point_as_to_and_a_merge_as_from(tmp_path: Path) -> None:
    from graph.histories import branchy

    (tmp_path / "versions").mkdir()
    ids = branchy(tmp_path / "versions")
    script = ScriptDirectory(str(tmp_path))
    # b is a branch point: as TO it keeps its id, so c, d and g still build on it.
    plan = plan_squash(script, ids["a"], ids["b"])
    assert plan.replaced == (ids["a"], ids["b"]) and plan.down_revision == ()
    # e is a merge: as FROM its two parents become the squashed revision's.
    plan = plan_squash(script, ids["e"], ids["f"])
    assert plan.down_revision == (ids["c"], ids["d"]) and plan.removed == (ids["e"],)
    # g's depends_on (c, outside) and label are carried; h adds nothing.
    plan = plan_squash(script, ids["g"], ids["h"])
    assert plan.depends_on == (ids["c"],) and plan.branch_labels == ("audit",)


def _plain(versions: Path, rev: str, down: str | None, extra: str = "") -> Path:
    path = versions / f"{rev}_step.py"
    path.write_text(
        f'"""Step {rev}"""\nfrom alembic import op\n\nrevision = {rev!r}\n'
        f"down_revision = {down!r}\n{extra}\n\ndef upgrade():\n    op.log({rev!r})\n\n\n"
        "def downgrade():\n    pass\n",
        encoding="utf-8",
    )
    return path


def test_the_squashed_file_records_each_replaced_files_checksum(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    for rev, down in (("aaa", None), ("bbb", "aaa"), ("ccc", "bbb")):
        _plain(versions, rev, down)
    script = ScriptDirectory(str(tmp_path))
    plan = plan_squash(script, "bbb", "ccc")
    parts = [
        Part(s.revision, s.doc, read_revision(Path(s.path)), f"sum-{s.revision}")
        for s in plan.scripts
    ]
    source = compose(plan, parts, "Joined", datetime(2026, 1, 2))
    (versions / "bbb_step.py").unlink()
    squashed = versions / "ccc_step.py"
    squashed.write_text(source, encoding="utf-8")
    marks = read_marks(squashed)
    assert marks.replaced == ("bbb", "ccc")
    assert marks.checksums == {"bbb": ("sum-bbb",), "ccc": ("sum-ccc",)}
    # Squashed again with the next revision: the first squash's ids and sums carry over.
    _plain(versions, "ddd", "ccc")
    script = ScriptDirectory(str(tmp_path))
    plan = plan_squash(script, "ccc", "ddd")
    parts = [
        Part(s.revision, s.doc, read_revision(Path(s.path)), f"new-{s.revision}")
        for s in plan.scripts
    ]
    again = compose(plan, parts, "Again", datetime(2026, 1, 3))
    assert again.count("squashed_revisions = ") == 1  # the old marks are not kept as code
    compile(again, "again", "exec")  # raises if the joined file is not Python
    (versions / "ddd_step.py").write_text(again, encoding="utf-8")
    marks = read_marks(versions / "ddd_step.py")
    assert marks.replaced == ("bbb", "ccc", "ddd")
    assert marks.checksums == {
        "bbb": ("sum-bbb",), "ccc": ("sum-ccc", "new-ccc"), "ddd": ("new-ddd",),
    }


def test_a_malformed_mark_refuses_the_squash_and_accounts_for_nothing(tmp_path: Path) -> None:
    path = _plain(tmp_path, "aaa", None, extra="squashed_revisions = ['x', 1]")
    assert read_marks(path) == SquashMarks()
    with pytest.raises(SourceError, match="squashed_revisions is not a tuple of revision ids"):
        read_revision(path)
    odd = _plain(tmp_path, "bbb", None, extra="squashed_checksums = {'x': 'not a tuple'}\n"
                 "squashed_revisions = ('x',)")
    with pytest.raises(SourceError, match="squashed_checksums is not a dict"):
        read_revision(odd)
