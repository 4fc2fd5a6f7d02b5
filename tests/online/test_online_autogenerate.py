"""``flask db migrate --online`` (or ``REMODEL_ONLINE``) writes the online forms, and they run."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from support.apps import AppFactory
from support.apps import MadeApp
from support.apps import add_table


def _models(strict: bool) -> Any:
    def define(db: Any) -> None:
        add_table(db, "parent", sa.Column("id", sa.Integer, primary_key=True))
        fk: list[Any] = [sa.ForeignKey("parent.id", name="fk_item_parent")] if strict else []
        add_table(
            db, "item",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("parent_id", sa.Integer, *fk, nullable=True),
            sa.Column("email", sa.String(50), nullable=not strict, index=strict),
            sa.Column("code", sa.String(10), nullable=True, unique=strict),
        )

    return define


def _start(make_app: AppFactory) -> MadeApp:
    made = make_app(_models(strict=False))
    made.ok("init")
    made.ok("migrate", "-m", "start")
    made.ok("upgrade")
    with made.engines()[None].begin() as connection:
        connection.exec_driver_sql("INSERT INTO parent (id) VALUES (1), (2)")
        connection.exec_driver_sql(
            "INSERT INTO item (id, parent_id, email, code) VALUES "
            + ", ".join(f"({i}, {i % 2 + 1}, 'u{i}', 'c{i}')" for i in range(1, 21))
        )
    return made


ONLINE_CALLS = [
    "op.create_index_online('ix_item_email', 'item', ['email'])",
    "op.set_not_null_online('item', 'email', existing_type=",  # as reflected
    "op.create_foreign_key_online('fk_item_parent', 'item', 'parent', ['parent_id'], ['id'])",
]


@pytest.mark.parametrize("how", ["option", "config"])
def test_migrate_online_writes_and_runs_the_online_forms(
    make_app: AppFactory, backend: str, how: str
) -> None:
    _start(make_app)
    config = {"REMODEL_ONLINE": True} if how == "config" else {}
    made = make_app(_models(strict=True), config=config)
    made.ok("migrate", "-m", "strict", *(["--online"] if how == "option" else []))
    script = made.script("strict").read_text()
    if backend == "sqlite":
        assert "_online(" not in script  # SQLite has no online forms: plain batch operations
    else:
        for call in ONLINE_CALLS:
            assert call in script
        unique = "create_unique_constraint_online('uq_item_code', 'item', ['code'])"
        assert unique in script
        assert "op.drop_index_online('ix_item_email', 'item')" in script  # the downgrade
    made.ok("upgrade")
    engine = made.engines()[None]
    inspector = sa.inspect(engine)
    assert {c["name"]: c["nullable"] for c in inspector.get_columns("item")}["email"] is False
    assert "ix_item_email" in {ix["name"] for ix in inspector.get_indexes("item")}
    assert [fk["name"] for fk in inspector.get_foreign_keys("item")] == ["fk_item_parent"]
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT COUNT(*) FROM item").scalar() == 20
    made.ok("downgrade")
    assert "ix_item_email" not in {ix["name"] for ix in sa.inspect(engine).get_indexes("item")}


@pytest.mark.backends("postgresql")
def test_without_online_autogenerate_writes_the_plain_forms(make_app: AppFactory) -> None:
    _start(make_app)
    made = make_app(_models(strict=True))
    made.ok("migrate", "-m", "strict")
    script = made.script("strict").read_text()
    assert "_online(" not in script
    assert "op.create_index(op.f('ix_item_email'), 'item', ['email'], unique=False)" in script


@pytest.mark.backends("sqlite")
def test_a_bad_remodel_online_value_is_one_clear_error(make_app: AppFactory) -> None:
    _start(make_app)
    made = make_app(_models(strict=True), config={"REMODEL_ONLINE": "yes"})
    result = made.cli("migrate", "-m", "strict")
    assert result.exit_code == 3
    assert "Error: REMODEL_ONLINE = 'yes' is not True or False" in result.output
    assert not [p for p in made.scripts() if "strict" in p.name]
