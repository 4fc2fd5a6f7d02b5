"""``op.backfill``: batches by primary key, progress lines, resumable after a failure."""

from __future__ import annotations

import pytest

from support.online import OnlineProject
from support.online import ok

ADD_N = "op.execute('ALTER TABLE item ADD COLUMN n INTEGER CHECK (n < 30)')"


def test_backfill_updates_in_batches_with_progress(project: OnlineProject) -> None:
    project.revision(
        "bf",
        "op.add_column('item', sa.Column('email_upper', sa.String(50), nullable=True))\n"
        "op.backfill('item', {'email_upper': 'upper(email)'}, where='email_upper IS NULL',"
        " batch_size=7, batch_time=None)",
    )
    result = ok(project.upgrade())
    assert "Backfill item: 50 row(s) to update" in result.output
    assert "Backfill item: [ 14%] 7 of 50 row(s), batch 1, up to id=7" in result.output
    assert "Backfill item: [100%] 50 of 50 row(s), batch 8, up to id=50" in result.output
    assert "Backfill item: done, 50 row(s) updated" in result.output
    assert len(project.sent_matching("UPDATE item SET email_upper")) == 8
    assert project.scalar("SELECT COUNT(*) FROM item WHERE email_upper = upper(email)") == 50
    if project.dialect != "sqlite":
        # each batch commits on its own, outside the revision's transaction
        assert project.sent_matching("UPDATE item SET email_upper")[0] in project.sent


def test_slow_batches_shrink(project: OnlineProject) -> None:
    # batch_time=0: every batch is "too slow", so each next one is half as big.
    project.revision(
        "bf", "op.backfill('item', {'qty': 'qty + 1'}, batch_size=16, batch_time=0)"
    )
    result = ok(project.upgrade())
    sizes = [16, 8, 4, 2] + [1] * 20
    assert len(project.sent_matching("UPDATE item SET qty")) == len(sizes)
    assert f"50 of 50 row(s), batch {len(sizes)}, up to id=50" in result.output
    assert project.scalar("SELECT SUM(qty) FROM item") == sum(range(1, 51)) + 50


@pytest.mark.backends("postgresql", "mariadb")
def test_a_failed_backfill_keeps_its_batches_and_resumes(project: OnlineProject) -> None:
    project.revision("n", ADD_N)
    ok(project.upgrade())
    project.revision("bf", "op.backfill('item', {'n': 'id'}, where='n IS NULL', batch_size=10)")
    result = project.upgrade()
    assert result.exit_code == 1
    assert "the backfill of 'item' stopped after 20 row(s)" in result.output
    assert "continue where it stopped" in result.output
    assert project.scalar("SELECT COUNT(*) FROM item WHERE n IS NOT NULL") == 20
    assert project.scalar("SELECT version_num FROM alembic_version") == "n"
    # The cause fixed (row 30 left out), the run starts from the rows still to do.
    # Only backfill batches were committed, so no 'resolve' is needed on MariaDB either.
    path = project.made.migrations_dir / "versions" / "bf_bf.py"
    path.write_text(path.read_text().replace("where='n IS NULL'", "where='n IS NULL AND id < 30'"))
    result = ok(project.upgrade())
    assert "Backfill item: 9 row(s) to update" in result.output
    assert project.scalar("SELECT COUNT(*) FROM item WHERE n IS NOT NULL") == 29


@pytest.mark.backends("sqlite")
def test_a_failed_backfill_on_sqlite_keeps_nothing(project: OnlineProject) -> None:
    project.revision("n", ADD_N)
    ok(project.upgrade())
    project.revision("bf", "op.backfill('item', {'n': 'id'}, where='n IS NULL', batch_size=10)")
    result = project.upgrade()
    assert result.exit_code == 1
    assert "stopped after 20 row(s)" in result.output
    assert "Fix the cause and run the upgrade again" in result.output
    assert project.scalar("SELECT COUNT(*) FROM item WHERE n IS NOT NULL") == 0


def test_backfill_without_a_primary_key_is_one_clear_error(project: OnlineProject) -> None:
    project.revision(
        "bf",
        "op.create_table('loose', sa.Column('a', sa.Integer))\n"
        "op.backfill('loose', {'a': 1})",
    )
    result = project.upgrade()
    assert result.exit_code == 1
    assert "no single-column primary key to walk in batches; pass key=" in result.output


@pytest.mark.backends("sqlite")
def test_backfill_with_sql_prints_one_statement(project: OnlineProject) -> None:
    project.revision("bf", "op.backfill('item', {'qty': 0}, where='qty IS NULL', batch_size=5)")
    result = ok(project.made.cli("upgrade", "--sql", "r0:bf"))
    assert "UPDATE item SET qty=0 WHERE qty IS NULL;" in result.output
