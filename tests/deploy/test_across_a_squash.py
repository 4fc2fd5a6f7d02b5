"""The deploy recipe (``validate``, then ``upgrade``) across ``flask db squash``.

A squash removes files whose revisions databases have applied, and rewrites
TO's file: the ledger of such a database must still validate, while a real
deletion or edit is still reported, and ``resolve --retired`` clears a
revision whose file is gone on purpose.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from support import rows

from .conftest import Project

# r1 - r2 (FROM) - r3 - r4 (TO) - r5: squashing r2..r4 keeps r4's id.
SQUASH = ("squash", "r2", "r4", "-m", "Tables two to four")


def _history(project: Project) -> None:
    project.add_tables(5, sleep=0)


def _tables(project: Project) -> set[str]:
    found = set()
    for n in range(1, 6):
        try:
            rows(project.url, f"SELECT COUNT(*) FROM t_{n}")
        except Exception:
            continue
        found.add(f"t_{n}")
    return found


def _squashed_at_r4_without(project: Project, start: str) -> Path:
    """A database at r4, r2..r4 squashed, and the squashed file's text cut from *start*
    to the end of the checksums (as a squash that recorded less would have written it)."""
    _history(project)
    project.made.ok("upgrade", "r4")
    project.made.ok(*SQUASH)
    (squashed,) = project.versions.glob("r4_*.py")
    text = squashed.read_text()
    begin = text.index(start)
    end = text.index("}\n", begin) + 2
    squashed.write_text(text[:begin] + text[end:])
    return squashed


def _deploy(project: Project) -> str:
    """What a deploy script runs: validate, and only if that passed, upgrade."""
    result = project.made.cli("validate")
    assert result.exit_code == 0, result.output
    assert "Every applied revision matches its file." in result.output
    project.made.ok("upgrade")
    return project.made.ok("validate").output


@pytest.mark.parametrize("at", ["r1", "r4", "r5"])
def test_validate_then_upgrade_across_a_squash(project: Project, at: str) -> None:
    """Before the squashed range, at its head (TO), and after it."""
    _history(project)
    project.made.ok("upgrade", at)
    project.made.ok(*SQUASH)
    assert not list(project.versions.glob("r2_*.py")) and not list(project.versions.glob("r3_*"))
    assert "Every applied revision matches its file." in _deploy(project)
    assert rows(project.url, "SELECT version_num FROM alembic_version") == [("r5",)]
    assert _tables(project) == {f"t_{n}" for n in range(1, 6)}
    assert project.log() == {f"r{n}": 1 for n in range(1, 6)}  # nothing ran twice
    assert "EDITED" not in project.made.ok("status").output
    latest = {e["revision"]: e for e in project.ledger()}
    if at == "r1":  # the squashed revision ran: its own file's checksum is recorded
        assert "r2" not in latest and latest["r4"]["outcome"] == "applied"
    else:  # the originals ran, and their rows stay as they were
        assert latest["r2"]["outcome"] == latest["r4"]["outcome"] == "applied"


@pytest.mark.backends("sqlite")
def test_a_squash_of_a_squash_keeps_the_first_originals_accounted_for(project: Project) -> None:
    _history(project)
    project.made.ok("upgrade", "r4")
    project.made.ok(*SQUASH)
    project.made.ok("upgrade")  # r5 runs
    project.made.ok("squash", "r4", "r5", "-m", "Tables two to five")
    text = next(project.versions.glob("r5_*.py")).read_text()
    assert "squashed_revisions = ('r2', 'r3', 'r4', 'r5')" in text
    # r4 ran once as the original file: that checksum and the first squash's are listed.
    assert len(re.search(r"'r4': \(([^)]*)\)", text).group(1).split(",")) == 2  # type: ignore[union-attr]
    assert "Every applied revision matches its file." in _deploy(project)


@pytest.mark.backends("sqlite")
def test_an_edit_before_the_squash_is_still_reported_and_can_be_retired(
    project: Project,
) -> None:
    _history(project)
    project.made.ok("upgrade", "r4")
    r3 = project.versions / "r3_step.py"
    r3.write_text(r3.read_text() + "\n# changed after it ran here\n")
    project.made.ok(*SQUASH)
    result = project.made.cli("validate")
    assert result.exit_code == 8
    (line,) = [each for each in result.output.splitlines() if each.strip()]
    assert "revision r3 was edited after it was applied and before 'flask db squash'" in line
    assert "'flask db resolve r3 --retired'" in line
    assert "revision r2" not in line and "revision r4" not in line  # ran as squash recorded
    assert project.made.cli("upgrade").exit_code == 0  # upgrade itself does not validate
    project.made.ok("resolve", "r3", "--retired")
    assert "Every applied revision matches its file." in project.made.ok("validate").output
    assert project.ledger()[-1]["outcome"] == "retired"


def test_files_removed_without_a_marker_are_retired_by_hand(project: Project) -> None:
    """A squash that wrote no marks (another tool, an older release): the person decides."""
    squashed = _squashed_at_r4_without(project, "squashed_revisions = ")
    assert "squashed_" not in squashed.read_text()
    result = project.made.cli("validate")
    assert result.exit_code == 8
    assert "revision r2 is applied but its file is missing" in result.output
    assert "revision r3 is applied but its file is missing" in result.output
    assert "revision r4 was edited after it was applied" in result.output
    assert "--retired" in result.output
    assert "Recorded r2 as retired." in project.made.ok("resolve", "r2", "--retired").output
    project.made.ok("resolve", "r3", "--retired")
    project.made.ok("resolve", "r4", "--applied")
    assert "Every applied revision matches its file." in _deploy(project)


@pytest.mark.backends("sqlite")
def test_a_squash_without_checksums_accounts_by_id(project: Project) -> None:
    """Files squashed before the checksums were recorded list only the ids."""
    squashed = _squashed_at_r4_without(project, "# The checksums a database's ledger")
    assert "squashed_revisions" in squashed.read_text()
    assert "squashed_checksums" not in squashed.read_text()
    assert "Every applied revision matches its file." in _deploy(project)


@pytest.mark.backends("sqlite")
def test_retire_refuses_what_it_cannot_retire(project: Project) -> None:
    _history(project)
    project.made.ok("upgrade", "r4")
    unknown = project.made.cli("resolve", "nosuchrev", "--retired")
    assert unknown.exit_code == 5
    assert "neither this database's ledger nor the migrations folder knows it" in unknown.output
    present = project.made.cli("resolve", "r3", "--retired")
    assert present.exit_code == 5
    assert "its file is still in the migrations folder" in present.output
    never_run = project.made.cli("resolve", "r5", "--retired")
    assert never_run.exit_code == 5
    assert "ledger has no row for it" in never_run.output
    project.made.ok(*SQUASH)
    project.made.ok("resolve", "r3", "--retired")
    again = project.made.cli("resolve", "r3", "--retired")
    assert again.exit_code == 5 and "nothing to resolve" in again.output
    assert [e["outcome"] for e in project.ledger() if e["revision"] == "r3"] == [
        "applied", "retired",
    ]


@pytest.mark.backends("sqlite")
def test_retire_refuses_the_revision_the_database_is_at(project: Project) -> None:
    _history(project)
    project.made.ok("upgrade", "r3")
    project.made.ok(*SQUASH, "--no-db")  # strands the database at r3
    result = project.made.cli("resolve", "r3", "--retired")
    assert result.exit_code == 5
    assert "version table is at it" in result.output
    assert [e["outcome"] for e in project.ledger() if e["revision"] == "r3"] == ["applied"]
