"""One ledger write per DDL statement where DDL commits by itself (MariaDB/MySQL).

Each DDL statement is written down as in flight before it is sent, on the
migration connection, so the statement's own implicit commit carries the mark;
that it completed rides on the next write (the next statement's mark, or the
write that closes the revision's row in the version table's transaction). A
process killed in between leaves the statement in flight, and the schema tells
what it did.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from flask_remodel.api import deploying
from flask_remodel.deploy.committed import from_record
from flask_remodel.deploy.committed import is_in_flight
from support import columns

from .conftest import Project

pytestmark = pytest.mark.backends("mariadb")

ADDS = 6


def _adds(prefix: str) -> str:
    return "\n".join(
        f"op.add_column('t_1', sa.Column('{prefix}{i}', sa.Integer))" for i in range(ADDS)
    )


@contextmanager
def ledger_writes() -> Iterator[list[str]]:
    """The statements writing to the ledger meanwhile, as the driver sends them: the
    runner sends some past SQLAlchemy's events, on the migration connection."""
    import pymysql.cursors  # MariaDB only: not installed for the legs without it

    found: list[str] = []
    sent = pymysql.cursors.Cursor.execute

    def execute(cursor: Any, query: str, args: Any = None) -> Any:
        if "remodel_ledger" in query and query.lstrip()[:6].upper() in ("INSERT", "UPDATE"):
            found.append(query)
        return sent(cursor, query, args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pymysql.cursors.Cursor, "execute", execute)
        yield found


@pytest.mark.parametrize("one_run", [True, False], ids=["one-run", "run-per-revision"])
def test_a_ddl_statement_costs_one_ledger_write(
    project: Project, monkeypatch: pytest.MonkeyPatch, one_run: bool
) -> None:
    project.add_tables(1, sleep=0)
    project.made.ok("upgrade")
    project.add(_adds("a"), sleep=0)
    project.add(_adds("b"), sleep=0)
    if not one_run:
        # As for an env.py that begins a transaction of its own: the runner then gives
        # each revision an Alembic run of its own (runner._run_step).
        monkeypatch.setattr(deploying, "move_each", lambda *args, **kwargs: False)

    with ledger_writes() as writes:
        project.made.ok("upgrade")

    # Per revision: its row opened and closed, and one write per DDL statement (its
    # in-flight mark), not two: the statement's end rides on the next write.
    assert len(writes) == 2 * (ADDS + 2), writes
    assert columns(project.url, "t_1")[-2 * ADDS:] == [
        *(f"a{i}" for i in range(ADDS)), *(f"b{i}" for i in range(ADDS))
    ]
    # The last statement's end reached the ledger with the row's closing commit.
    for row in project.ledger()[-2:]:
        executed = from_record(row["executed"])
        assert row["outcome"] == "applied"
        assert len(executed) == ADDS, executed
        assert not any(is_in_flight(e) for e in executed), executed


def test_killed_after_a_ddl_statement_completed(project: Project) -> None:
    project.add_tables(1, sleep=0)
    project.add(
        "op.add_column('t_1', sa.Column('a', sa.Integer))\n"
        "op.add_column('t_1', sa.Column('b', sa.Integer))", sleep=0,
    )
    process = project.spawn("upgrade", REMODEL_TEST_HANG="r2")
    project.wait_for(project.root / "r2.hanging", process)  # after both ALTERs
    os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=30)

    # The second ALTER completed, but only the process knew: the row still has it in flight.
    row = project.ledger()[-1]
    assert (row["revision"], row["outcome"]) == ("r2", "running")
    first, second = from_record(row["executed"])
    assert not is_in_flight(first) and is_in_flight(second), row["executed"]
    assert columns(project.url, "t_1")[-2:] == ["a", "b"]

    # The schema shows the column: both are committed, and nothing is left uncertain.
    status = project.made.ok("status").output
    assert "r2  partial" in status, status
    assert "uncertain" not in status, status
    resumed = project.made.ok("upgrade")
    assert "Resuming r2: 2 statement(s) it committed before are skipped" in resumed.output
    assert project.log() == {"r1": 1, "r2": 1}
    settled = [r for r in project.ledger() if r["revision"] == "r2"]
    assert [r["outcome"] for r in settled] == ["partial", "applied"]
    assert not any(is_in_flight(e) for e in from_record(settled[0]["executed"]))
    assert "Needs attention" not in project.made.ok("status").output
