"""``flask db migrate`` writes the online forms on PostgreSQL and MariaDB, and they run.

``--no-online`` (or ``REMODEL_ONLINE = False``) asks for the plain forms.
"""

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


# PostgreSQL: Alembic's own operations can build the index concurrently, so the
# script keeps them (Flask-Migrate can run it); MariaDB: Flask-Remodel's.
ONLINE_INDEX = {
    "postgresql": (
        "    with op.get_context().autocommit_block():\n"
        "        op.drop_index('ix_item_email', table_name='item', postgresql_concurrently=True,"
        " if_exists=True)\n"
        "        op.create_index('ix_item_email', 'item', ['email'], unique=False,"
        " postgresql_concurrently=True, if_not_exists=True)\n"
    ),
    "mariadb": "op.create_index_online('ix_item_email', 'item', ['email'])",
}
ONLINE_INDEX_DROP = {
    "postgresql": (
        "    with op.get_context().autocommit_block():\n"
        "        op.drop_index('ix_item_email', table_name='item', postgresql_concurrently=True,"
        " if_exists=True)\n\n"
    ),
    "mariadb": "op.drop_index_online('ix_item_email', 'item')",
}

ONLINE_CALLS = [
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
        assert ONLINE_INDEX[backend] in script
        downgrade = script.split("def downgrade")[1]
        assert ONLINE_INDEX_DROP[backend] in downgrade and "create_index" not in downgrade
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


# op.create_index, or batch_op.create_index on SQLite.
PLAIN_INDEX = "create_index(" + "{op}.f('ix_item_email'), {table}['email'], unique=False)"
LABELS = {"postgresql": "PostgreSQL", "mariadb": "MySQL/MariaDB"}

# How migrate is asked, and whether the online forms are then wanted where the
# database has them (REMODEL_ONLINE unset is "automatic": they are).
ASKED = {
    "default": ((), {}, True),
    "--no-online": (("--no-online",), {}, False),
    "REMODEL_ONLINE=False": ((), {"REMODEL_ONLINE": False}, False),
    "REMODEL_ONLINE=True": ((), {"REMODEL_ONLINE": True}, True),
    "--no-online over REMODEL_ONLINE=True": (("--no-online",), {"REMODEL_ONLINE": True}, False),
    "--online over REMODEL_ONLINE=False": (("--online",), {"REMODEL_ONLINE": False}, True),
}


@pytest.mark.parametrize("asked", sorted(ASKED))
def test_migrate_writes_the_online_forms_by_default_where_the_database_has_them(
    make_app: AppFactory, backend: str, asked: str
) -> None:
    flags, config, wanted = ASKED[asked]
    _start(make_app)
    made = make_app(_models(strict=True), config=config)
    output = made.ok("migrate", "-m", "strict", *flags).output
    script = made.script("strict").read_text()
    if wanted and backend != "sqlite":
        assert ONLINE_INDEX[backend] in script
        # NOT VALID, then VALIDATE: the online form of a foreign key.
        assert "op.create_foreign_key_online('fk_item_parent'" in script
        assert "op.create_foreign_key(" not in script
        assert PLAIN_INDEX.format(op="op", table="'item', ") not in script
        line = f"Wrote the online forms for {LABELS[backend]} (--no-online for the plain ones)"
        assert line in output.splitlines()
    else:  # asked not to, or SQLite, which has no online forms (True changes nothing)
        assert "_online(" not in script
        batch = backend == "sqlite"
        assert PLAIN_INDEX.format(
            op="batch_op" if batch else "op", table="" if batch else "'item', "
        ) in script
        assert "online forms" not in output
    made.ok("upgrade")
    assert "ix_item_email" in {ix["name"] for ix in sa.inspect(made.engines()[None]).get_indexes(
        "item"
    )}


@pytest.mark.backends("postgresql")
@pytest.mark.parametrize("online", [None, False])
def test_the_python_api_writes_the_same_forms_as_the_cli(
    make_app: AppFactory, online: bool | None
) -> None:
    import flask_remodel

    _start(make_app)
    made = make_app(_models(strict=True))
    with made.app.app_context():
        result = flask_remodel.migrate(message="strict", online=online)
    script = made.script("strict").read_text()
    assert ("postgresql_concurrently=True" in script) is (online is None)
    assert result.report.online_forms == (["PostgreSQL"] if online is None else [])


def test_nothing_to_rewrite_says_nothing_about_online_forms(
    make_app: AppFactory, backend: str
) -> None:
    # A new table is created whole: it has no online form, so no line about one.
    _start(make_app)

    def define(db: Any) -> None:
        _models(strict=False)(db)
        add_table(db, "extra", sa.Column("id", sa.Integer, primary_key=True),
                  sa.Column("name", sa.String(20), index=True))

    made = make_app(define)
    output = made.ok("migrate", "-m", "extra").output
    assert "online forms" not in output
    assert "_online(" not in made.script("extra").read_text()


@pytest.mark.backends("sqlite")
def test_a_bad_remodel_online_value_is_one_clear_error(make_app: AppFactory) -> None:
    _start(make_app)
    made = make_app(_models(strict=True), config={"REMODEL_ONLINE": "yes"})
    result = made.cli("migrate", "-m", "strict")
    assert result.exit_code == 3
    assert "Error: REMODEL_ONLINE = 'yes' is not True or False" in result.output
    assert not [p for p in made.scripts() if "strict" in p.name]
