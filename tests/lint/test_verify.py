"""``--verify``: predictions checked on a real PostgreSQL server, nothing kept there."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from flask_remodel.lint import LintUsageError
from flask_remodel.lint import Target
from flask_remodel.lint import lint_directory
from flask_remodel.lint.verify import predicted_mode
from flask_remodel.lint.verify import verify
from support.apps import AppFactory

from .conftest import BASE
from .conftest import write_revisions

# One operation per revision: each is measured in a transaction of its own.
CHANGES = (
    'op.alter_column("orders", "id", type_=sa.BigInteger(), existing_type=sa.Integer())',
    'op.alter_column("orders", "ref", type_=sa.String(200), existing_type=sa.String(20))',
    'op.create_index("ix_orders_note", "orders", ["note"])',
    'op.add_column("orders", sa.Column("n", sa.Integer(), server_default="0"))',
    'op.execute("COMMIT")',
    'op.rename_table("account", "member")',
)


def _schemas(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return {r[0] for r in connection.exec_driver_sql(
                "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'remodel_verify%%'")}
    finally:
        engine.dispose()


@pytest.mark.backends("postgresql")
def test_the_server_confirms_locks_and_rewrites(
    database_url: str, tmp_path: Path, backend: str
) -> None:
    ids = write_revisions(tmp_path, BASE, *CHANGES)
    script = ScriptDirectory(str(tmp_path))
    report = lint_directory(tmp_path, Target.parse("postgresql:15"), f"{ids[0]}:")
    seen = verify(script, database_url, report)
    by_revision = {o.revision: o for o in seen}
    bigint, widen, index, default, commit, rename = (by_revision[i] for i in ids[1:])
    assert bigint.rewritten == ["orders"] and bigint.predicted_rewrite
    assert widen.rewritten == [] and widen.locks == {"orders": "AccessExclusiveLock"}
    assert index.locks == {"orders": "ShareLock"} and index.predicted_lock == "ShareLock"
    assert default.rewritten == [] and not default.predicted_rewrite
    assert commit.note == "not run: transaction control"
    # Followed by OID: the renamed table's lock is reported under its old name.
    assert rename.locks == {"account": "AccessExclusiveLock"}
    assert [o for o in seen if o.disagreement] == []
    assert _schemas(database_url) == set()  # the scratch schema is gone
    # PostgreSQL 10 rewrote for any default; this server (15) does not: a disagreement.
    old = lint_directory(tmp_path, Target.parse("postgresql:10"), f"{ids[0]}:")
    differ = [o for o in verify(script, database_url, old) if o.disagreement]
    assert [o.revision for o in differ] == [ids[4]]
    assert "predicted a rewrite, the server rewrote nothing" in str(differ[0].disagreement)


def test_only_postgresql_urls(tmp_path: Path) -> None:
    ids = write_revisions(tmp_path, BASE, *CHANGES)
    script = ScriptDirectory(str(tmp_path))
    report = lint_directory(tmp_path, Target.parse("sqlite"), ids[1])
    with pytest.raises(LintUsageError, match="PostgreSQL and MariaDB/MySQL"):
        verify(script, f"sqlite:///{tmp_path / 'x.db'}", report)


def test_lock_modes_are_read_from_the_findings() -> None:
    assert predicted_mode("SHARE on account (blocks writes)") == "ShareLock"
    assert predicted_mode("SHARE ROW EXCLUSIVE on a and b") == "ShareRowExclusiveLock"
    assert predicted_mode("ACCESS EXCLUSIVE on t") == "AccessExclusiveLock"
    assert predicted_mode("ALGORITHM=COPY on t") == "COPY"
    assert predicted_mode("database write lock") is None


@pytest.mark.backends("postgresql")
def test_cli_verify(make_app: AppFactory, database_url: str, backend: str) -> None:
    made = make_app()
    made.ok("init")
    write_revisions(made.migrations_dir, BASE, *CHANGES)
    result = made.cli("lint", "--all", "--verify", database_url)
    assert "Verified" in result.output and "0 disagree with the prediction" in result.output
    assert result.exit_code == 1  # the findings still count


MARIADB_CHANGES = (
    'op.alter_column("account", "email", type_=sa.String(100), existing_type=sa.String(50))',
    'op.add_column("orders", sa.Column("n", sa.Integer()))',
    'op.alter_column("orders", "ref", nullable=False, existing_type=sa.String(20))',
    'op.create_index("ix_orders_n", "orders", ["n"])',
    'op.create_check_constraint("ck_n", "orders", "n > 0", postgresql_not_valid=True)',
)


def _databases(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return {r[0] for r in connection.exec_driver_sql("SHOW DATABASES")
                    if str(r[0]).startswith("remodel_verify")}
    finally:
        engine.dispose()


@pytest.mark.backends("mariadb")
def test_mariadb_algorithms_match_the_prediction(
    database_url: str, tmp_path: Path, backend: str
) -> None:
    ids = write_revisions(tmp_path, BASE, *MARIADB_CHANGES)
    report = lint_directory(tmp_path, Target.parse("mariadb:10.11"), f"{ids[0]}:")
    seen = {o.revision: o for o in verify(ScriptDirectory(str(tmp_path)), database_url, report)}
    widen, add, not_null, index, check = (seen[i] for i in ids[1:])
    assert widen.locks == {"account": "COPY"} and widen.predicted_lock == "COPY"
    assert add.locks == {"orders": "INSTANT"} and add.rewritten == []
    assert not_null.locks == {"orders": "INPLACE"} and not_null.predicted_rewrite
    assert index.locks == {"orders": "NOCOPY"}
    assert check.locks == {"orders": "COPY"} and check.predicted_lock == "COPY"
    assert [o.disagreement for o in seen.values() if o.disagreement] == []
    assert _databases(database_url) == set()
