"""Resuming from a ledger record, without a database: reading entries back, and the skipping."""

from __future__ import annotations

import re
from typing import Any

import pytest

from flask_remodel.deploy.committed import Committed
from flask_remodel.deploy.committed import Run
from flask_remodel.deploy.committed import in_flight
from flask_remodel.deploy.committed import run_of
from flask_remodel.deploy.resume import NOOP
from flask_remodel.deploy.resume import Diverged
from flask_remodel.deploy.resume import Resumption
from flask_remodel.deploy.resume import Skipper
from flask_remodel.deploy.resume import resumable

ADD = "ALTER TABLE t ADD COLUMN a INTEGER"
INDEX = "CREATE INDEX ix_t_a ON t (a)"
BATCH = "UPDATE t SET a=id WHERE t.id >= %(id_1)s AND t.id <= %(id_2)s AND a IS NULL"


@pytest.mark.parametrize(
    "run",
    [
        Run(ADD),
        Run(ADD, times=3),
        Run(BATCH, times=1_200, rows=12_000, progress="up to id=12000, more, commas"),
        Run(BATCH, times=1, rows=10, progress="up to id=10"),
        Run("DELETE FROM t", times=2, rows=None),
    ],
)
def test_an_entry_reads_back_as_the_run_it_was_written_from(run: Run) -> None:
    assert run_of(run.text()) == run


def test_entries_that_do_not_say_it_whole_read_back_as_nothing() -> None:
    record = Committed()
    for i in range(20):
        record.add(f"ALTER TABLE t ADD COLUMN c{i} INTEGER")
    elided = record.entries()
    assert [run_of(e) for e in elided].count(None) == 1  # the one counting those left out
    cut = Run("CREATE TABLE t (id INT) COMMENT '" + "x" * 1000 + "'").text()
    assert run_of(cut) is None
    assert run_of(in_flight(ADD)) is None
    assert not resumable(elided) and not resumable([cut]) and not resumable([ADD, in_flight(INDEX)])
    assert resumable([ADD, INDEX]) and resumable([ADD, Run(BATCH, 4, 40, "up to id=40").text()])
    # A backfill's batches followed by more: its batches cannot be matched one for one.
    assert not resumable([Run(BATCH, 4, 40, "up to id=40").text(), INDEX])
    assert not resumable([])


def _skipper(*runs: Run) -> Skipper:
    plan = Resumption("r2", runs, tuple(r.text() for r in runs))
    skipper = Skipper({"r2": plan}, "alembic_version")
    assert skipper.enter("r2") is plan
    return skipper


def _send(skipper: Skipper, statement: str, parameters: Any = ()) -> str:
    sent, _ = skipper(None, None, statement, parameters, None, False)
    return sent


def test_committed_statements_are_skipped_in_order_then_the_rest_runs() -> None:
    skipper = _skipper(Run(ADD), Run("DELETE FROM t", times=2))
    assert _send(skipper, "SELECT a FROM t") == "SELECT a FROM t"  # reads always run
    assert _send(skipper, f"\n{ADD}\n") == NOOP
    assert _send(skipper, "DELETE FROM t") == NOOP
    assert _send(skipper, "DELETE FROM t") == NOOP  # it ran twice: both skipped
    assert _send(skipper, "DELETE FROM t") == "DELETE FROM t"  # a third time runs
    assert _send(skipper, INDEX) == INDEX
    # Another revision is not touched.
    assert skipper.enter("r3") is None
    assert _send(skipper, ADD) == ADD


def test_a_statement_that_differs_stops_before_it_is_sent() -> None:
    skipper = _skipper(Run(ADD), Run(INDEX))
    assert _send(skipper, ADD) == NOOP
    with pytest.raises(Diverged) as raised:
        _send(skipper, "CREATE INDEX ix_other ON t (a)")
    assert raised.value.reason == (
        f"the revision now runs CREATE INDEX ix_other ON t (a) where it committed {INDEX}"
    )


def test_bound_values_the_record_does_not_keep_stop_the_run() -> None:
    skipper = _skipper(Run("INSERT INTO t (a) VALUES (%(a)s)"))
    with pytest.raises(Diverged, match="with bound values"):
        _send(skipper, "INSERT INTO t (a) VALUES (%(a)s)", {"a": 1})


def test_a_revision_that_ends_before_the_record_does_stops_before_its_version_update() -> None:
    skipper = _skipper(Run(ADD), Run(INDEX))
    assert _send(skipper, ADD) == NOOP
    with pytest.raises(Diverged, match=re.escape(f"ends before running {INDEX}")):
        _send(skipper, "UPDATE alembic_version SET version_num='r2' WHERE version_num = 'r1'")


def test_a_trailing_backfill_carries_on() -> None:
    skipper = _skipper(Run(ADD), Run(BATCH, times=5, rows=50, progress="up to id=50"))
    assert _send(skipper, ADD) == NOOP
    assert _send(skipper, BATCH, {"id_1": 51, "id_2": 60}) == BATCH
    assert _send(skipper, BATCH, {"id_1": 61, "id_2": 70}) == BATCH
    assert _send(skipper, INDEX) == INDEX


def test_the_resumed_record_starts_with_what_was_committed() -> None:
    runs = (Run(ADD), Run(BATCH, times=5, rows=50, progress="up to id=50"))
    plan = Resumption("r2", runs, tuple(r.text() for r in runs))
    assert plan.carried().entries() == list(plan.entries)
    assert plan.describe() == (
        "1 statement(s) it committed before are skipped; its backfill carries on with the "
        "rows still to do"
    )
