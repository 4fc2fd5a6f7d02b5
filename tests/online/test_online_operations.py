"""Each online operation on PostgreSQL, MariaDB and SQLite: the SQL sent, the schema, the rows."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.operations import ops

from flask_remodel.online import CreateForeignKeyOnlineOp
from flask_remodel.online import CreateIndexOnlineOp
from flask_remodel.online import DropIndexOnlineOp
from flask_remodel.online import SetNotNullOnlineOp
from support.online import OnlineProject
from support.online import ok


def _rows_intact(project: OnlineProject) -> None:
    assert project.scalar("SELECT COUNT(*) FROM item") == 50
    assert project.scalar("SELECT SUM(qty) FROM item") == sum(range(1, 51))


def test_create_and_drop_index_online(project: OnlineProject) -> None:
    project.revision(
        "ix",
        "op.create_index_online('ix_item_email', 'item', ['email'])",
        "op.drop_index_online('ix_item_email', 'item')",
    )
    ok(project.upgrade())
    assert project.indexes()["ix_item_email"]["column_names"] == ["email"]
    _rows_intact(project)
    if project.dialect == "postgresql":
        [create] = project.sent_matching("CREATE INDEX")
        assert create.startswith("CREATE INDEX CONCURRENTLY ix_item_email ON item (email)")
        # no lock timeout for it: its lock blocks no reads or writes, waiting costs nothing
        position = project.sent.index(create)
        assert project.sent[position - 1] == "SET lock_timeout = 0"
        assert project.sent[position + 1] == "SET lock_timeout = 50"
    elif project.dialect == "mysql":
        [create] = project.sent_matching("CREATE INDEX")
        assert create.endswith("ALGORITHM=INPLACE LOCK=NONE")
    else:
        assert project.sent_matching("CREATE INDEX ix_item_email ON item (email)")

    ok(project.downgrade())
    assert "ix_item_email" not in project.indexes()
    if project.dialect == "postgresql":
        assert project.sent_matching("DROP INDEX CONCURRENTLY IF EXISTS ix_item_email")
    elif project.dialect == "mysql":
        assert project.sent_matching(
            "ALTER TABLE item DROP INDEX ix_item_email, ALGORITHM=INPLACE, LOCK=NONE"
        )


@pytest.mark.backends("postgresql")
def test_an_invalid_leftover_index_is_dropped_before_building_again(
    project: OnlineProject,
) -> None:
    # A unique build over duplicates fails and leaves an INVALID index behind,
    # like an interrupted CREATE INDEX CONCURRENTLY.
    engine = sa.create_engine(
        project.engine.url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT"
    )
    with engine.connect() as connection:
        connection.exec_driver_sql("UPDATE item SET qty = 1 WHERE id < 3")
        with pytest.raises(sa.exc.DBAPIError, match="could not create unique index"):
            connection.exec_driver_sql("CREATE UNIQUE INDEX CONCURRENTLY ix_item_qty ON item (qty)")
    engine.dispose()
    assert project.scalar(
        "SELECT NOT indisvalid FROM pg_index WHERE indexrelid = 'ix_item_qty'::regclass"
    )
    project.revision("ix", "op.create_index_online('ix_item_qty', 'item', ['qty'])")
    ok(project.upgrade())
    assert project.sent_matching("DROP INDEX CONCURRENTLY IF EXISTS ix_item_qty")
    assert project.scalar(
        "SELECT indisvalid FROM pg_index WHERE indexrelid = 'ix_item_qty'::regclass"
    )
    assert project.indexes()["ix_item_qty"]["unique"] is False


def test_foreign_key_added_then_validated(project: OnlineProject) -> None:
    project.revision(
        "fk",
        "op.create_foreign_key_online('fk_item_parent', 'item', 'parent', ['parent_id'], ['id'])",
        "op.drop_constraint('fk_item_parent', 'item', type_='foreignkey')",
    )
    ok(project.upgrade())
    [fk] = project.inspector().get_foreign_keys("item")
    assert (fk["name"], fk["referred_table"], fk["constrained_columns"]) == (
        "fk_item_parent", "parent", ["parent_id"]
    )
    _rows_intact(project)
    if project.dialect == "postgresql":
        [add] = project.sent_matching("ADD CONSTRAINT fk_item_parent")
        assert add.endswith("NOT VALID")
        [validate] = project.sent_matching("VALIDATE CONSTRAINT")
        assert project.sent.index(validate) > project.sent.index(add)
        assert project.scalar("SELECT convalidated FROM pg_constraint WHERE conname = "
                              "'fk_item_parent'")
    elif project.dialect == "mysql":
        assert project.sent_matching("foreign_key_checks = 0")
        [add] = project.sent_matching("ADD CONSTRAINT fk_item_parent")
        assert add.endswith("ALGORITHM=INPLACE, LOCK=NONE")
    ok(project.downgrade())
    assert project.inspector().get_foreign_keys("item") == []


def test_foreign_key_over_orphans_is_refused_and_removed(project: OnlineProject) -> None:
    project.revision(
        "fk",
        "op.execute('UPDATE item SET parent_id = 99 WHERE id = 7')\n"
        "op.create_foreign_key_online('fk_item_parent', 'item', 'parent', ['parent_id'], ['id'])",
    )
    result = project.upgrade()
    if project.dialect == "sqlite":
        # SQLite checks references only when foreign keys are enforced; this app does not.
        ok(result)
        return
    assert result.exit_code == 1
    assert "existing rows of 'item' break constraint 'fk_item_parent'" in result.output
    assert "run the upgrade again" in result.output
    assert project.inspector().get_foreign_keys("item") == []
    assert project.scalar("SELECT COUNT(*) FROM item") == 50


def test_check_constraint_online(
    project: OnlineProject, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    project.revision(
        "ck", "op.create_check_constraint_online('ck_item_qty', 'item', 'qty > 0')"
    )
    # Without pt-online-schema-change (tests/deploy/test_table_copy.py runs it).
    monkeypatch.setenv("REMODEL_PT_OSC", str(tmp_path / "no-pt-osc"))
    result = project.upgrade()
    if project.dialect == "mysql":
        # MariaDB can only add a CHECK by copying the table: refused up front.
        assert result.exit_code == 1
        assert "cannot run in place on this server" in result.output
        assert "apt-get install percona-toolkit" in " ".join(result.output.split())
        assert project.sent_matching("ALGORITHM=INPLACE, LOCK=NONE")
        return
    ok(result)
    names = [c["name"] for c in project.inspector().get_check_constraints("item")]
    assert "ck_item_qty" in names
    if project.dialect == "postgresql":
        assert project.sent_matching("ADD CONSTRAINT ck_item_qty CHECK (qty > 0) NOT VALID")
        assert project.sent_matching("VALIDATE CONSTRAINT ck_item_qty")


@pytest.mark.backends("postgresql")
def test_check_constraint_broken_by_rows_is_removed_again(project: OnlineProject) -> None:
    project.revision("ck", "op.create_check_constraint_online('ck_item_qty', 'item', 'qty > 5')")
    result = project.upgrade()
    assert result.exit_code == 1
    assert "break constraint 'ck_item_qty'" in result.output
    assert project.inspector().get_check_constraints("item") == []


def test_set_not_null_online(project: OnlineProject) -> None:
    project.revision(
        "nn",
        "op.set_not_null_online('item', 'email', existing_type=sa.String(50))",
        "op.alter_column('item', 'email', nullable=True, existing_type=sa.String(50))",
    )
    ok(project.upgrade())
    assert project.column("email")["nullable"] is False
    _rows_intact(project)
    if project.dialect == "postgresql":
        steps = [
            project.sent_matching(text)[0]
            for text in (
                "CHECK (email IS NOT NULL) NOT VALID", "VALIDATE CONSTRAINT",
                "ALTER COLUMN email SET NOT NULL", "DROP CONSTRAINT ck_item_email_not_null",
            )
        ]
        positions = [project.sent.index(s) for s in steps]
        assert positions == sorted(positions)
        assert project.inspector().get_check_constraints("item") == []
    elif project.dialect == "mysql":
        [modify] = project.sent_matching("MODIFY email")
        assert "varchar(50)" in modify and "NOT NULL" in modify
        assert modify.endswith("ALGORITHM=INPLACE, LOCK=NONE")
    ok(project.downgrade())
    assert project.column("email")["nullable"] is True


@pytest.mark.backends("postgresql", "mariadb")
def test_set_not_null_over_nulls_fails_and_leaves_the_column_nullable(
    project: OnlineProject,
) -> None:
    project.revision(
        "nn", "op.execute('UPDATE item SET email = NULL WHERE id = 3')\n"
        "op.set_not_null_online('item', 'email')",
    )
    result = project.upgrade()
    assert result.exit_code == 1
    assert "break constraint" in result.output
    assert project.column("email")["nullable"] is True
    if project.dialect == "postgresql":
        assert project.inspector().get_check_constraints("item") == []


def test_unique_constraint_online(project: OnlineProject) -> None:
    project.revision(
        "uq",
        "op.create_unique_constraint_online('uq_item_email', 'item', ['email'])",
        "op.drop_constraint('uq_item_email', 'item', type_='unique')",
    )
    ok(project.upgrade())
    uniques = project.inspector().get_unique_constraints("item")
    found = {u["name"]: u["column_names"] for u in uniques}
    assert found.get("uq_item_email") == ["email"]
    if project.dialect == "postgresql":
        assert project.sent_matching("CREATE UNIQUE INDEX CONCURRENTLY uq_item_email")
        assert project.sent_matching("ADD CONSTRAINT uq_item_email UNIQUE USING INDEX")
    elif project.dialect == "mysql":
        [add] = project.sent_matching("UNIQUE (email)")
        assert add.endswith("ALGORITHM=INPLACE, LOCK=NONE")
    ok(project.downgrade())
    assert "uq_item_email" not in {u["name"] for u in project.inspector().get_unique_constraints(
        "item")}


@pytest.mark.backends("postgresql", "mariadb")
def test_unique_constraint_over_duplicates_leaves_no_index(project: OnlineProject) -> None:
    project.revision(
        "uq", "op.execute(\"UPDATE item SET email = 'same' WHERE id < 4\")\n"
        "op.create_unique_constraint_online('uq_item_email', 'item', ['email'])",
    )
    result = project.upgrade()
    assert result.exit_code == 1
    assert "break constraint 'uq_item_email'" in result.output
    assert "uq_item_email" not in project.indexes()


def test_reverse_operations_give_the_downgrade() -> None:
    create = CreateIndexOnlineOp("ix", "t", ["a"], unique=True)
    dropped = create.reverse()
    assert isinstance(dropped, DropIndexOnlineOp)
    assert dropped.reverse() is create
    with pytest.raises(ValueError, match="columns are unknown"):
        DropIndexOnlineOp("ix", "t").reverse()
    fk = CreateForeignKeyOnlineOp("fk", "c", "p", ["pid"], ["id"]).reverse()
    assert isinstance(fk, ops.DropConstraintOp) and fk.constraint_type == "foreignkey"
    nn = SetNotNullOnlineOp("t", "c").reverse()
    assert isinstance(nn, ops.AlterColumnOp) and nn.modify_nullable is True


@pytest.mark.backends("postgresql")
def test_upgrade_sql_prints_the_online_statements(project: OnlineProject) -> None:
    project.revision(
        "ix",
        "op.create_index_online('ix_item_email', 'item', ['email'])\n"
        "op.set_not_null_online('item', 'email')",
    )
    result = ok(project.made.cli("upgrade", "--sql", "r0:ix"))
    lines = [line for line in result.output.splitlines() if line.strip()]
    create = lines.index("CREATE INDEX CONCURRENTLY ix_item_email ON item (email);")
    assert lines[create - 2] == "COMMIT;"  # outside the revision's transaction
    # and, as when the runner sends it, with no lock timeout (see test_lock_timeouts_in_script)
    assert lines[create - 1] == "SET lock_timeout = 0;"
    assert "ALTER TABLE item VALIDATE CONSTRAINT ck_item_email_not_null;" in lines
    assert "ALTER TABLE item ALTER COLUMN email SET NOT NULL;" in lines
