"""Flask-Remodel's comparators behave alike on Alembic with plugins (1.18+) and without.

The minimum-versions leg runs these on the oldest supported Alembic, where
:mod:`flask_remodel.autogenerate.registration` puts the comparators in
Alembic's process-wide lists; the main leg on the newest, where they are plugins.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import produce_migrations
from alembic.operations import ops
from alembic.runtime.migration import MigrationContext

from flask_remodel.autogenerate import plugin
from flask_remodel.autogenerate.operations import AddEnumValuesOp
from flask_remodel.autogenerate.operations import RecreateEnumOp
from flask_remodel.autogenerate.registration import enabled
from support.inspection import engine_for

pytestmark = pytest.mark.backends("sqlite")

REMODEL = plugin.plugin_names()


@pytest.mark.parametrize(
    ("patterns", "on"),
    [
        (None, False),  # Alembic's default: its own comparators only
        ([], False),
        (["alembic.autogenerate.*"], False),
        (REMODEL, True),
        (["flask_remodel.*"], True),
        (["*"], True),
        (["flask_remodel.constraints"], True),
        (["flask_remodel.enums"], False),
        (["flask_remodel"], False),  # "*" stands for one part or more, never none
        (["flask_remodel.*", "~flask_remodel.constraints"], False),
        (["~flask_remodel.constraints", "flask_remodel.*"], False),
        (["*", "~flask_remodel.enums"], True),
    ],
)
def test_plugin_lists_are_read_as_alembic_reads_them(patterns: Any, on: bool) -> None:
    assert enabled("flask_remodel.constraints", patterns) is on


def _upgrade_ops(url: str, metadata: sa.MetaData, **opts: Any) -> list[Any]:
    with engine_for(url) as engine, engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"target_metadata": metadata, **opts}
        )
        script = produce_migrations(context, metadata)
    assert script.upgrade_ops is not None
    return list(script.upgrade_ops.ops)


def _added_checks(found: list[Any]) -> list[str]:
    return [
        op.constraint_name
        for table_ops in found
        if isinstance(table_ops, ops.ModifyTableOps)
        for op in table_ops.ops
        if isinstance(op, ops.CreateCheckConstraintOp)
    ]


def test_comparators_run_only_where_the_plugin_list_names_them(database_url: str) -> None:
    with engine_for(database_url) as engine, engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER)"))
    metadata = sa.MetaData()
    sa.Table(
        "t", metadata, sa.Column("id", sa.Integer, primary_key=True), sa.Column("n", sa.Integer),
        sa.CheckConstraint("n > 0", name="ck_t_n"),
    )

    # Plain Alembic in the same process (and Flask-Migrate) keeps its own result.
    assert _added_checks(_upgrade_ops(database_url, metadata)) == []
    assert _added_checks(_upgrade_ops(
        database_url, metadata, autogenerate_plugins=[*REMODEL[:-1]]
    )) == []
    assert _added_checks(_upgrade_ops(
        database_url, metadata, autogenerate_plugins=REMODEL
    )) == ["ck_t_n"]
    # Registering again (every entry point calls it) adds nothing twice.
    plugin.register_all()
    assert _added_checks(_upgrade_ops(
        database_url, metadata, autogenerate_plugins=REMODEL
    )) == ["ck_t_n"]


@pytest.mark.backends("postgresql")
def test_a_recreated_enum_comes_before_the_table_changes(database_url: str) -> None:
    # Alembic 1.18+ runs a dialect's schema comparator before its table
    # comparison; before 1.18 the operation is moved there, so scripts agree.
    with engine_for(database_url) as engine, engine.begin() as connection:
        connection.execute(sa.text("CREATE TYPE mood AS ENUM ('happy', 'sad')"))
        connection.execute(sa.text("CREATE TABLE person (id INTEGER PRIMARY KEY, mood mood)"))
    metadata = sa.MetaData()
    mood = sa.Enum("happy", "calm", name="mood")  # a value replaced: a type swap
    sa.Table("person", metadata, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("mood", mood))
    sa.Table("added", metadata, sa.Column("id", sa.Integer, primary_key=True))

    found = _upgrade_ops(database_url, metadata, autogenerate_plugins=REMODEL)

    assert [type(op) for op in found] == [RecreateEnumOp, ops.CreateTableOp]
    assert _upgrade_ops(database_url, metadata)[0].__class__ is ops.CreateTableOp

    gained = sa.MetaData()
    sa.Table("person", gained, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("mood", sa.Enum("happy", "sad", "calm", name="mood")))
    sa.Table("added", gained, sa.Column("id", sa.Integer, primary_key=True))
    found = _upgrade_ops(database_url, gained, autogenerate_plugins=REMODEL)
    assert [type(op) for op in found] == [AddEnumValuesOp, ops.CreateTableOp]
