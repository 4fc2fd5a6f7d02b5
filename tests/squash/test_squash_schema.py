"""A squashed revision builds the same schema as the range it replaced, and takes it down again."""

from __future__ import annotations

from pathlib import Path

from squash.schema import schema
from support import MadeApp
from support import table_rows


def _files(made: MadeApp) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in made.scripts()}


def test_squashed_range_builds_the_same_schema(
    project: tuple[MadeApp, dict[str, str]], database_url: str
) -> None:
    made, ids = project
    made.ok("upgrade", ids["r0"])
    before = schema(database_url)
    made.ok("upgrade", ids["r4"])
    original = schema(database_url)
    assert set(original) - set(before) == {"book", "tag", "book_tag"}  # the range did something
    seeded = table_rows(database_url, "author", "id", "name")
    made.ok("downgrade", ids["r0"])
    assert schema(database_url) == before
    files = _files(made)

    out = made.ok("squash", ids["r1"], ids["r4"]).output
    assert f"Squashed 4 revisions into {ids['r4']}: " in out
    backup = made.migrations_dir / "squashed" / f"{ids['r1']}-{ids['r4']}"
    assert f"The original files were moved to {backup}." in out
    # Nothing lost: every replaced file is in the backup, byte for byte.
    names = [ids[r] for r in ("r1", "r2", "r3", "r4")]
    replaced = {n: b for n, b in files.items() if any(i in n for i in names)}
    assert len(replaced) == 4
    assert {p.name: p.read_bytes() for p in backup.glob("*.py")} == replaced
    assert len(made.scripts()) == 3  # r0, the squashed revision, r5
    history = made.ok("history").output
    for gone in ("r1", "r2", "r3"):
        assert ids[gone] not in history

    made.ok("upgrade", ids["r4"])
    assert schema(database_url) == original
    assert table_rows(database_url, "author", "id", "name") == seeded
    made.ok("upgrade")  # r5 builds on the squashed revision as it did on r4
    assert [c[0] for c in schema(database_url)["tag"]["columns"]] == ["id", "label", "colour"]
    made.ok("downgrade", ids["r4"])
    assert schema(database_url) == original
    made.ok("downgrade", ids["r0"])
    assert schema(database_url) == before
    assert table_rows(database_url, "author", "id", "name") == []


def test_database_at_or_past_to_is_unaffected(
    project: tuple[MadeApp, dict[str, str]], database_url: str
) -> None:
    made, ids = project
    made.ok("upgrade", ids["r4"])
    made.ok("squash", ids["r1"], ids["r4"], "--delete", "-m", "Books and tags")
    assert not (made.migrations_dir / "squashed").exists()
    squashed = made.script(ids["r4"])
    assert squashed.name == f"{ids['r4']}_books_and_tags.py"
    assert made.ok("current").output.splitlines()[-1].startswith(ids["r4"])
    made.ok("upgrade")
    assert made.ok("current").output.splitlines()[-1].startswith(ids["r5"])
    made.ok("downgrade", ids["r0"])
    assert sorted(schema(database_url)) == ["author"]


def test_database_inside_the_range(
    project: tuple[MadeApp, dict[str, str]], database_url: str, tmp_path: Path
) -> None:
    made, ids = project
    made.ok("upgrade", ids["r2"])
    files = _files(made)
    # While the database is inside the range, the squash refuses and changes nothing.
    result = made.cli("squash", ids["r1"], ids["r4"])
    assert result.exit_code == 5
    assert result.output.splitlines()[-1] == (
        f"Error: Cannot squash: the database is at {ids['r2']}, inside the range, and would be "
        f"stranded; run 'flask db upgrade {ids['r4']}' first (or pass --no-db to squash anyway)."
    )
    assert _files(made) == files
    # Squashed anyway (as for a database elsewhere), it is told what to do.
    made.ok("squash", ids["r1"], ids["r4"], "--no-db")
    for command in (("upgrade",), ("current",)):
        result = made.cli(*command)
        assert result.exit_code == 5, result.output
        error = result.output.splitlines()[-1]
        assert error.startswith(
            f"Error: The database is at revision {ids['r2']}, which 'flask db squash' folded "
            f"into revision {ids['r4']} ("
        ), error
        assert f"'flask db stamp --purge {ids['r4']}'" in error
    # The way out the message gives works (this database's schema is at r2, so
    # upgrading it with the old files would be the other way).
    made.ok("stamp", "--purge", ids["r4"])
    assert made.ok("current").output.splitlines()[-1].startswith(ids["r4"])
