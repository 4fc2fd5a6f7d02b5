"""The ledger's rows and the deploy lock's holder, read back through the library on each backend."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from flask_remodel.deploy.ledger import Ledger
from flask_remodel.deploy.locks import Holder
from flask_remodel.deploy.locks import current_holder
from flask_remodel.deploy.locks import deploy_lock
from flask_remodel.deploy.locks import lock_is_free


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.engine.Engine]:
    made = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    yield made
    made.dispose()


def test_a_recorded_row_starts_and_ends_at_once(engine: sa.engine.Engine) -> None:
    ledger = Ledger(engine)
    assert ledger.create() is True and ledger.create() is False
    ledger.record("a1", "stamp", "applied", "sum-1")
    (entry,) = ledger.entries()
    assert (entry.revision, entry.direction, entry.outcome, entry.checksum) == (
        "a1",
        "stamp",
        "applied",
        "sum-1",
    )
    assert entry.duration_ms == 0
    assert entry.finished_at is not None and entry.finished_at >= entry.started_at


def test_latest_rows_by_outcome_are_chosen_after_the_newest_row_of_each_revision(
    engine: sa.engine.Engine,
) -> None:
    """A deploy reads only the revisions whose newest row is running (or partial), not
    every run the ledger ever kept; an older row with that outcome does not count."""
    ledger = Ledger(engine)
    assert ledger.latest({"running"}) == {}  # no table yet
    ledger.create()
    ledger.start("r1", "upgrade", None)  # died once, then applied
    ledger.record("r1", "upgrade", "applied", None)
    ledger.record("r2", "upgrade", "applied", None)
    running = ledger.start("r2", "downgrade", None)
    ledger.start("r3", "upgrade", None)
    ledger.record("r3", "resolve", "partial", None)
    found = ledger.latest({"running"})
    assert list(found) == ["r2"] and found["r2"].id == running
    assert list(ledger.latest({"running", "partial"})) == ["r2", "r3"]
    assert {r: e.outcome for r, e in ledger.latest().items()} == {
        "r1": "applied", "r2": "running", "r3": "partial",
    }


def test_entries_as_json_data(engine: sa.engine.Engine) -> None:
    ledger = Ledger(engine)
    ledger.create()
    running = ledger.start("a2", "upgrade", "sum-2")
    ledger.record_executed(running, ["ALTER TABLE t ADD COLUMN x INTEGER", "UPDATE t SET x = 1"])
    data = ledger.entries()[0].as_dict()
    json.dumps(data)  # what status --format json prints
    assert data["executed"] == ["ALTER TABLE t ADD COLUMN x INTEGER", "UPDATE t SET x = 1"]
    assert data["outcome"] == "running" and data["finished_at"] is None
    started = data["started_at"]
    assert started.endswith("Z") and len(started) == len("2026-01-01T00:00:00.000Z")


def test_the_longest_record_fits_the_column(engine: sa.engine.Engine) -> None:
    """MariaDB's TEXT holds 65,535 bytes: more statements than it could hold, of
    four-byte characters, are cut to fit instead of failing the write (issue 18)."""
    ledger = Ledger(engine)
    ledger.create()
    running = ledger.start("a3", "upgrade", "sum-3")
    statements = [f"UPDATE t SET x = '{'😀' * 3000}' WHERE id = {i}" for i in range(200)]
    ledger.record_executed(running, statements)
    (entry,) = ledger.entries()
    assert entry.executed[0].startswith("UPDATE t SET x = '😀")
    assert "185 more statement(s) ran here, not listed" in entry.executed[10]
    assert entry.executed[-1].startswith("UPDATE t SET x = '😀")
    assert len("\n;\n".join(entry.executed).encode()) <= 65_535


def test_the_holder_is_known_while_the_lock_is_held(engine: sa.engine.Engine) -> None:
    me = Holder(command="upgrade", target="head")
    assert lock_is_free(engine) and current_holder(engine) is None
    seen: dict[str, object] = {}
    with deploy_lock(engine, me, wait=5):
        # Asked from another thread, as another instance would (each has its own session).
        def look() -> None:
            seen["free"] = lock_is_free(engine)
            seen["holder"] = current_holder(engine)

        looker = threading.Thread(target=look)
        looker.start()
        looker.join(30)
    assert seen["free"] is False
    assert seen["holder"] == me
    assert lock_is_free(engine) and current_holder(engine) is None
