"""The record of committed statements: one entry per repeated statement, bounded in all."""

from __future__ import annotations

from flask_remodel.deploy.committed import ENTRY_CHARS
from flask_remodel.deploy.committed import FIRST_KEPT
from flask_remodel.deploy.committed import LAST_KEPT
from flask_remodel.deploy.committed import RECORD_CHARS
from flask_remodel.deploy.committed import TEXT_BYTES
from flask_remodel.deploy.committed import Committed
from flask_remodel.deploy.committed import as_record
from flask_remodel.deploy.committed import from_record
from flask_remodel.deploy.committed import one_line

BATCH = "UPDATE item SET n=id WHERE item.id >= %(id_1)s AND item.id <= %(id_2)s AND n IS NULL"


def _backfilled(batches: int) -> Committed:
    record = Committed()
    record.add("ALTER TABLE item ADD COLUMN n INTEGER", rows=0)
    for batch in range(1, batches + 1):
        record.add(BATCH, rows=10, progress=f"up to id={batch * 10}")
    return record


def test_a_repeated_statement_is_one_entry_that_counts_its_runs() -> None:
    record = _backfilled(1000)
    alter, batches = record.entries()
    assert alter == "ALTER TABLE item ADD COLUMN n INTEGER"
    assert batches == f"{BATCH}\n-- remodel: ran 1,000 times, 10,000 row(s), up to id=10000"
    assert record.complete
    assert one_line(batches, 30) == (
        "UPDATE item SET n=id WHERE ite [ran 1,000 times, 10,000 row(s), up to id=10000]"
    )


def test_the_record_grows_with_the_digits_of_the_count_only() -> None:
    sizes = {n: len(as_record(_backfilled(n).entries())) for n in (100, 1000, 100_000)}
    # The runs, the rows and the last id: "1,000", "10,000", "10000" against "100",
    # "1,000", "1000"; then "100,000", "1,000,000", "1000000".
    assert sizes[1000] - sizes[100] == 4
    assert sizes[100_000] - sizes[1000] == 7


def test_one_run_of_a_backfill_says_how_far_it_got() -> None:
    record = _backfilled(1)
    assert record.entries()[1].endswith("-- remodel: ran once, 10 row(s), up to id=10")


def test_distinct_statements_keep_the_first_and_the_last() -> None:
    record = Committed()
    for i in range(1, 1001):
        record.add(f"INSERT INTO t VALUES ({i})")
        record.add(f"INSERT INTO t VALUES ({i})")  # twice: counted as two runs left out
    entries = record.entries()
    assert len(entries) == FIRST_KEPT + 1 + LAST_KEPT
    assert entries[0].startswith("INSERT INTO t VALUES (1)\n")
    assert entries[FIRST_KEPT] == "-- remodel: 1,970 more statement(s) ran here, not listed"
    assert entries[-1].startswith("INSERT INTO t VALUES (1000)\n")
    assert not record.complete
    assert one_line(entries[FIRST_KEPT], 80) == "[1,970 more statement(s) ran here, not listed]"


def test_a_long_statement_is_cut_and_says_so() -> None:
    record = Committed()
    record.add("CREATE TABLE wide (" + ", ".join(f"c{i} INTEGER" for i in range(500)) + ")")
    (entry,) = record.entries()
    assert len(entry) == ENTRY_CHARS
    assert entry.endswith(" ...\n-- remodel: cut from 6,908 characters")


def test_any_record_fits_the_smallest_column_in_any_character_set() -> None:
    # Worst case: every entry as long as allowed, in characters of four bytes.
    record = Committed()
    for i in range(10_000):
        record.add(f"UPDATE t SET x='{'😀' * 2000}' WHERE id = {i}", rows=1, progress="😀" * 500)
    text = as_record(record.entries())
    assert len(text) <= RECORD_CHARS and len(text.encode()) <= TEXT_BYTES
    # Whatever list a caller hands the ledger is bounded the same way.
    text = as_record(["😀" * 5000] * 10_000)
    assert len(text.encode()) <= TEXT_BYTES
    assert len(from_record(text)) == FIRST_KEPT + 1 + LAST_KEPT


def test_statements_added_later_keep_their_counts() -> None:
    later = Committed()
    for _ in range(3):
        later.add("INSERT INTO item (id) VALUES (%(id)s)", rows=1)
    record = Committed()
    record.add("ALTER TABLE item ADD COLUMN n INTEGER")
    record.extend(later)
    assert record.entries() == [
        "ALTER TABLE item ADD COLUMN n INTEGER",
        "INSERT INTO item (id) VALUES (%(id)s)\n-- remodel: ran 3 times, 3 row(s)",
    ]
