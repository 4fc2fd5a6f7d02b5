"""Expand/contract: a type change and a rename while both columns stay in sync."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import render_python_code
from alembic.operations import ops

from flask_remodel.online import ContractColumnOp
from flask_remodel.online import ExpandColumnOp
from support.apps import AppFactory
from support.apps import add_table
from support.online import OnlineProject
from support.online import ok
from support.online import resolve_stop

EXPAND = "op.expand_column('item', 'qty', 'qty_new', sa.BigInteger(), batch_size=20)"


def _run(project: OnlineProject, sql: str) -> None:
    with project.engine.begin() as connection:
        connection.exec_driver_sql(sql)


def test_int_to_bigint_by_expand_then_contract(project: OnlineProject) -> None:
    project.revision("ex", EXPAND, "op.contract_column('item', 'qty_new', 'qty')")
    result = ok(project.upgrade())
    assert "Backfill item: done, 50 row(s) updated" in result.output
    assert project.scalar("SELECT COUNT(*) FROM item WHERE qty_new = qty") == 50
    # Old code keeps writing the old column; the trigger mirrors it.
    _run(project, "INSERT INTO item (id, qty) VALUES (100, 7)")
    _run(project, "UPDATE item SET qty = 8 WHERE id = 1")
    assert project.scalar("SELECT qty_new FROM item WHERE id = 100") == 7
    assert project.scalar("SELECT qty_new FROM item WHERE id = 1") == 8
    if project.dialect != "sqlite":
        # New code writing only the new column fills the old one too.
        _run(project, "INSERT INTO item (id, qty_new) VALUES (101, 9)")
        _run(project, "UPDATE item SET qty_new = 11 WHERE id = 2")
        assert project.scalar("SELECT qty FROM item WHERE id = 2") == 11
        assert project.scalar("SELECT qty FROM item WHERE id = 101") == 9
    ok(project.downgrade())  # drops the new column and the triggers
    assert "qty_new" not in {c["name"] for c in sa.inspect(project.engine).get_columns("item")}
    _run(project, "UPDATE item SET qty = 9 WHERE id = 3")  # no trigger left to fail

    ok(project.upgrade())
    project.revision("co", "op.contract_column('item', 'qty', 'qty_new', rename=True)")
    ok(project.upgrade())
    project.engine.dispose()
    columns = {c["name"]: c for c in sa.inspect(project.engine).get_columns("item")}
    assert "qty_new" not in columns
    assert isinstance(columns["qty"]["type"], sa.BigInteger)
    inserted = 1 if project.dialect == "sqlite" else 2
    assert project.scalar("SELECT COUNT(*) FROM item") == 50 + inserted
    assert project.scalar("SELECT qty FROM item WHERE id = 100") == 7
    _run(project, "UPDATE item SET qty = 12 WHERE id = 1")
    assert project.scalar("SELECT qty FROM item WHERE id = 1") == 12


@pytest.mark.backends("postgresql", "mariadb")
def test_rename_keeps_both_names_written_until_the_contract(project: OnlineProject) -> None:
    project.revision(
        "ex", "op.expand_column('item', 'email', 'email_address', sa.String(50))"
    )
    ok(project.upgrade())
    _run(project, "INSERT INTO item (id, email_address) VALUES (200, 'new@x')")  # new code
    _run(project, "INSERT INTO item (id, email) VALUES (201, 'old@x')")  # old code
    assert project.scalar("SELECT email FROM item WHERE id = 200") == "new@x"
    assert project.scalar("SELECT email_address FROM item WHERE id = 201") == "old@x"
    assert project.scalar("SELECT COUNT(*) FROM item WHERE email = email_address") == 52
    project.revision("co", "op.contract_column('item', 'email', 'email_address')")
    ok(project.upgrade())
    project.engine.dispose()
    names = {c["name"] for c in sa.inspect(project.engine).get_columns("item")}
    assert "email" not in names and "email_address" in names
    _run(project, "INSERT INTO item (id, email_address) VALUES (202, 'z')")


@pytest.mark.backends("postgresql", "mariadb")
def test_an_expansion_that_stopped_is_run_again(project: OnlineProject) -> None:
    project.revision("ex", EXPAND + "\nop.execute('SELECT * FROM no_such_table')")
    assert project.upgrade().exit_code == 1
    # column, triggers and copied rows were committed by the batches
    assert project.scalar("SELECT COUNT(*) FROM item WHERE qty_new = qty") == 50
    resolve_stop(project, 'ex')
    path = project.made.migrations_dir / "versions" / "ex_ex.py"
    path.write_text(path.read_text().replace("op.execute('SELECT * FROM no_such_table')", ""))
    result = ok(project.upgrade())
    assert "Backfill item: 0 row(s) to update" in result.output
    _run(project, "UPDATE item SET qty = 77 WHERE id = 5")
    assert project.scalar("SELECT qty_new FROM item WHERE id = 5") == 77


def test_expand_reverses_to_a_contraction_of_the_new_column() -> None:
    expand = ExpandColumnOp("t", "a", "a_new", sa.BigInteger())
    undo = expand.reverse()
    assert (undo.column_name, undo.new_column_name, undo.rename) == ("a_new", "a", False)
    code = render_python_code(
        ops.UpgradeOps([expand, ContractColumnOp("t", "a", "a_new", rename=True)])
    )
    assert "op.expand_column('t', 'a', 'a_new', sa.BigInteger())" in code
    assert "op.contract_column('t', 'a', 'a_new', rename=True)" in code


@pytest.mark.backends("postgresql", "mariadb")
def test_migrate_online_writes_a_type_change_as_expand_and_contract(
    make_app: AppFactory,
) -> None:
    def models(big: bool) -> object:
        return lambda db: add_table(
            db, "counter", sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("hits", sa.BigInteger if big else sa.Integer, nullable=False),
            sa.Column("label", sa.String(100 if big else 50), nullable=True),
        )

    made = make_app(models(False))
    made.ok("init")
    made.ok("migrate", "-m", "start")
    made.ok("upgrade")
    with made.engines()[None].begin() as connection:
        connection.exec_driver_sql("INSERT INTO counter (id, hits) VALUES (1, 5), (2, 6)")
    made = make_app(models(True))
    made.ok("migrate", "-m", "bigger", "--online")
    script = made.script("bigger").read_text()
    expand = "op.expand_column('counter', 'hits', 'hits_new', sa.BigInteger(), nullable=False"
    assert expand in script
    assert "op.contract_column('counter', 'hits', 'hits_new', rename=True)" in script
    assert "op.alter_column('counter', 'label'" in script  # a longer VARCHAR does not rewrite
    made.ok("upgrade")
    engine = made.engines()[None]
    engine.dispose()
    columns = {c["name"]: c for c in sa.inspect(engine).get_columns("counter")}
    assert isinstance(columns["hits"]["type"], sa.BigInteger)
    assert columns["hits"]["nullable"] is False
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT SUM(hits) FROM counter").scalar() == 11
    made.ok("check")
