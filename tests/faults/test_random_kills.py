"""SIGKILL and Ctrl-C at a random statement of ``flask db upgrade``, on every backend.

Each trial (``REMODEL_FAULT_TRIALS`` per backend, default 20) draws from
``random.Random(f"{REMODEL_FAULT_SEED}:...:{backend}:{trial}")``: the signal
(SIGKILL, or SIGINT for about one trial in four) and the statement it lands on,
before or after the statement runs, counted over everything the process sends
(the ledger's and the lock's statements too). The same seed replays the same
kill. After the kill: the ledger tells the truth, no row is lost, ``heads`` and
``history`` answer as before; after the documented recovery (docs/deploys.md:
``status``, then ``upgrade``, which resumes a partial revision or refuses it,
then ``resolve`` for a refused one and ``upgrade``) the database is what a
clean run leaves.
"""

from __future__ import annotations

import re
import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from .trial import FaultProject
from .trial import base_seed
from .trial import check_recovered
from .trial import check_truthful
from .trial import recover
from .trial import trial_count
from .trial import trial_random

# The main leg only (all three databases, newest Python): see the Makefile.
pytestmark = pytest.mark.faults

# Statements an unkilled upgrade sends, per backend (measured once per worker).
_STATEMENTS: dict[str, int] = {}


def _statements_of_a_clean_run(project: FaultProject, tmp_path: Path) -> int:
    if project.backend not in _STATEMENTS:
        counted = tmp_path / "count"
        result = project.upgrade(REMODEL_FAULT_COUNT=str(counted))
        assert result.returncode == 0, result.output
        _STATEMENTS[project.backend] = int(counted.read_text())
    return _STATEMENTS[project.backend]


@pytest.mark.parametrize("trial", range(trial_count()))
def test_killed_at_a_random_statement(
    fault_project: Callable[..., FaultProject], make_database: Callable[..., str],
    backend: str, trial: int, tmp_path: Path, record_property: Callable[[str, object], None],
) -> None:
    if backend not in _STATEMENTS:  # the clean run measures on a database of its own
        _statements_of_a_clean_run(fault_project(url=make_database(), name="clean"), tmp_path)
    project = fault_project()
    rng = trial_random("kill", backend, trial)
    name = "INT" if rng.random() < 0.25 else "KILL"
    at = f"{rng.randint(1, _STATEMENTS[backend])}:{rng.choice(['before', 'after'])}"
    context = f"seed {base_seed()} trial {trial} on {backend}: SIG{name} at statement {at}"
    row = {"what": f"SIG{name} at a random statement", "database": backend, "fault": at}
    record_property("fault_trial", row)

    before = project.answers()
    result = project.upgrade(REMODEL_FAULT_SIGNAL=name, REMODEL_FAULT_AT=at)
    killed = -signal.SIGKILL if name == "KILL" else 1
    assert result.returncode in (killed, 0), f"{context}: exit {result.returncode}\n{result.output}"
    row["fault"] += "" if result.returncode == killed else " (ran to the end)"
    check_truthful(project, context)
    assert project.answers() == before, f"{context}: heads/history changed"
    row["status"], row["recovery"] = recover(project)
    check_recovered(project, context)



@pytest.mark.backends("mariadb")
@pytest.mark.parametrize("later", [0, 1, 2])
def test_killed_after_the_data_migration_of_a_revision_without_ddl(
    fault_project: Callable[..., FaultProject], later: int,
) -> None:
    """``r3`` only updates rows: on MariaDB its UPDATE commits with the revision or not at all.

    A regression test: the runner wrote the UPDATE to the ledger as committed,
    so a kill before the revision's commit left it ``partial`` (upgrade refused,
    "undo by hand" what the database had rolled back).
    """
    project = fault_project()
    at = f"after:UPDATE item SET price+{later}"
    result = project.upgrade(REMODEL_FAULT_SIGNAL="KILL", REMODEL_FAULT_AT=at)
    assert result.returncode == -signal.SIGKILL, result.output
    check_truthful(project, f"SIGKILL at {at}")
    status, path = recover(project)
    assert "partial" not in status and path == "upgrade", (status, path)
    check_recovered(project, f"SIGKILL at {at}")


@pytest.mark.backends("mariadb")
@pytest.mark.parametrize("name", ["KILL", "INT"])
def test_killed_between_a_ddl_statement_and_its_ledger_write(
    fault_project: Callable[..., FaultProject], name: str,
) -> None:
    """The DDL statement completed, the runner never learnt it: the row lists it as in
    flight, ``status`` finds the column in the schema and says ``partial``, listing it
    as committed, and the next ``upgrade`` resumes r2 after it and reaches head."""
    project = fault_project()
    at = "after:ALTER TABLE item ADD COLUMN price+0"  # this hook runs before the runner's
    result = project.upgrade(REMODEL_FAULT_SIGNAL=name, REMODEL_FAULT_AT=at)
    assert result.returncode == (-signal.SIGKILL if name == "KILL" else 1), result.output
    check_truthful(project, f"SIG{name} at {at}")
    status = project.made.ok("status").output
    assert re.search(r"r2  partial: .*after committing some statements", status), status
    assert "committed: ALTER TABLE item ADD COLUMN price" in status, status
    said, path = recover(project)
    assert said == "r2 partial" and path == "resumed r2 -> upgrade", (said, path)
    check_recovered(project, f"SIG{name} at {at}")


@pytest.mark.backends("mariadb")
def test_killed_before_a_ddl_statement_reached_the_server(
    fault_project: Callable[..., FaultProject],
) -> None:
    """Its in-flight mark was sent on the migration connection, to be committed by the
    statement's own implicit commit: killed before the statement left, the mark is
    rolled back with the session, the ledger lists nothing of r2 as committed or in
    flight, and a plain ``upgrade`` runs the revision again."""
    project = fault_project()
    at = "driver:ALTER TABLE item ADD COLUMN price"  # r2's mark sent, its ALTER not
    result = project.upgrade(REMODEL_FAULT_SIGNAL="KILL", REMODEL_FAULT_AT=at)
    assert result.returncode == -signal.SIGKILL, result.output
    outcome, executed = project.last_outcomes()["r2"]
    assert (outcome, executed) == ("running", ""), (outcome, executed)
    check_truthful(project, f"SIGKILL at {at}")
    status = project.made.ok("status").output
    assert re.search(r"r2  interrupted: ", status), status
    said, path = recover(project)
    assert path == "upgrade", (said, path)
    check_recovered(project, f"SIGKILL at {at}")


@pytest.mark.backends("mariadb")
@pytest.mark.parametrize("name", ["KILL", "INT"])
@pytest.mark.parametrize("later", [0, 2])
def test_a_killed_backfill_resumes_with_upgrade(
    fault_project: Callable[..., FaultProject], name: str, later: int,
) -> None:
    """``r7`` is an ``op.backfill`` of its own: its batches commit one by one on MariaDB,
    and after a kill the documented recovery, a plain ``upgrade``, carries on with the
    rows still to do (docs/deploys.md), with no ``resolve``."""
    project = fault_project()
    at = f"after:UPDATE item SET label+{later}"
    result = project.upgrade(REMODEL_FAULT_SIGNAL=name, REMODEL_FAULT_AT=at)
    assert result.returncode == (-signal.SIGKILL if name == "KILL" else 1), result.output
    check_truthful(project, f"SIG{name} at {at}")
    said, path = recover(project)
    assert said == "r7 interrupted" and path == "upgrade", (said, path)
    check_recovered(project, f"SIG{name} at {at}")
