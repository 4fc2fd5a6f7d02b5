"""Which drop/add pairs become renames, and what a rename carries with it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.operations import ops
from sqlalchemy.dialects import postgresql

from flask_remodel.autogenerate.decisions import ColumnRename
from flask_remodel.autogenerate.decisions import Decisions
from flask_remodel.autogenerate.decisions import TableRename
from flask_remodel.autogenerate.operations import RenameColumnOp
from flask_remodel.autogenerate.renames import apply_renames
from flask_remodel.errors import AutogenerateError


def _change(old: sa.Column[object], new: sa.Column[object]) -> ops.UpgradeOps:
    modify = ops.ModifyTableOps(
        "account",
        [
            ops.DropColumnOp.from_column_and_tablename(None, "account", old),
            ops.AddColumnOp("account", new),
        ],
    )
    return ops.UpgradeOps([modify])


def _renames(upgrade: ops.UpgradeOps) -> list[RenameColumnOp]:
    modify = upgrade.ops[0]
    assert isinstance(modify, ops.ModifyTableOps)
    return [op for op in modify.ops if isinstance(op, RenameColumnOp)]


def _say_yes(asked: list[object]) -> Decisions:
    def decide(question: object) -> bool:
        asked.append(question)
        return True

    return Decisions(decide=decide)


def test_a_rename_keeps_the_nullability_change() -> None:
    upgrade = _change(
        sa.Column("name", sa.String(80), nullable=True),
        sa.Column("full_name", sa.String(80), nullable=False),
    )
    apply_renames(upgrade, postgresql.dialect(), _say_yes([]))
    (rename,) = _renames(upgrade)
    assert (rename.column_name, rename.new_name) == ("name", "full_name")
    assert rename.modify_nullable is False
    assert rename.existing_nullable is True
    assert rename.modify_type is None  # same type: nothing to change
    back = rename.reverse()  # the downgrade makes it nullable again
    assert (back.column_name, back.new_name, back.modify_nullable) == ("full_name", "name", True)


def test_a_rename_keeps_a_type_change_within_the_family() -> None:
    upgrade = _change(sa.Column("n", sa.Integer()), sa.Column("count", sa.BigInteger()))
    apply_renames(upgrade, postgresql.dialect(), _say_yes([]))
    (rename,) = _renames(upgrade)
    assert isinstance(rename.modify_type, sa.BigInteger)
    assert rename.modify_nullable is None


def test_no_rename_is_offered_across_type_families() -> None:
    asked: list[object] = []
    upgrade = _change(sa.Column("born", sa.Date()), sa.Column("label", sa.String(20)))
    apply_renames(upgrade, postgresql.dialect(), _say_yes(asked))
    assert asked == []
    assert _renames(upgrade) == []
    modify = upgrade.ops[0]
    assert isinstance(modify, ops.ModifyTableOps)
    assert [type(op) for op in modify.ops] == [ops.DropColumnOp, ops.AddColumnOp]


def test_a_declined_pair_stays_a_drop_and_an_add() -> None:
    asked: list[object] = []

    def decline(question: object) -> bool:
        asked.append(question)
        return False

    upgrade = _change(sa.Column("name", sa.String(80)), sa.Column("title", sa.String(80)))
    apply_renames(upgrade, postgresql.dialect(), Decisions(decide=decline))
    assert asked == [ColumnRename("account", "name", "title")]
    assert _renames(upgrade) == []


@pytest.mark.parametrize(
    ("renames", "table_renames", "defaults", "says"),
    [
        (
            ["user.username"],
            None,
            None,
            "--rename 'user.username' is not of the form TABLE.OLD=NEW "
            "(for example user.username=fullname): fix the option and run again.",
        ),
        (
            None,
            ["users"],
            None,
            "--rename-table 'users' is not of the form OLD=NEW "
            "(for example users=members): fix the option and run again.",
        ),
        (
            None,
            None,
            ["email=x"],
            "--default 'email=x' is not of the form TABLE.COLUMN=VALUE "
            '(for example user.email="unknown@example.com"): fix the option and run again.',
        ),
    ],
)
def test_malformed_answers_say_the_form_they_need(
    renames: list[str] | None,
    table_renames: list[str] | None,
    defaults: list[str] | None,
    says: str,
) -> None:
    with pytest.raises(AutogenerateError) as raised:
        Decisions.build(renames, table_renames, defaults)
    assert str(raised.value) == says


def test_a_table_rename_given_for_another_name_is_not_taken_and_nobody_is_asked() -> None:
    asked: list[object] = []
    decisions = Decisions.build(
        table_renames=["users=members"], decide=lambda q: asked.append(q) or True
    )
    assert decisions.is_renamed_table(TableRename("users", "people")) is False
    assert decisions.is_renamed_table(TableRename("users", "members")) is True
    assert asked == []
    assert decisions.used == {("table", "users")}


def test_an_undecided_table_rename_is_asked_about() -> None:
    asked: list[object] = []

    def decide(question: object) -> bool:
        asked.append(question)
        return True

    decisions = Decisions(decide=decide)
    assert decisions.is_renamed_table(TableRename("users", "members")) is True
    assert asked == [TableRename("users", "members")]
    assert Decisions().is_renamed_table(TableRename("users", "members")) is False


class _StoredPerDatabase(sa.types.TypeDecorator[str]):
    """A type stored as INTEGER on SQLite and as VARCHAR elsewhere (as Uuid is CHAR(32))."""

    impl = sa.String
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.engine.Dialect) -> sa.types.TypeEngine[object]:
        chosen = sa.Integer() if dialect.name == "sqlite" else sa.String(self.impl.length)
        return dialect.type_descriptor(chosen)


def test_a_rename_compares_types_as_the_database_writes_them() -> None:
    sqlite_dialect = sa.create_engine("sqlite://").dialect
    upgrade = _change(
        sa.Column("code", _StoredPerDatabase(20)), sa.Column("number", _StoredPerDatabase(40))
    )
    apply_renames(upgrade, sqlite_dialect, _say_yes([]))
    (rename,) = _renames(upgrade)
    assert rename.modify_type is None  # INTEGER on SQLite, both


def test_a_type_the_database_cannot_write_is_carried_by_the_rename() -> None:
    sqlite_dialect = sa.create_engine("sqlite://").dialect
    upgrade = _change(
        sa.Column("tags", sa.ARRAY(sa.Integer())), sa.Column("labels", sa.ARRAY(sa.Integer()))
    )
    apply_renames(upgrade, sqlite_dialect, _say_yes([]))
    (rename,) = _renames(upgrade)
    assert isinstance(rename.modify_type, sa.ARRAY)


def test_a_rename_op_keeps_the_table_schema_and_the_old_columns_properties() -> None:
    old = sa.Column("name", sa.String(80), server_default="x", comment="the name")
    modify = ops.ModifyTableOps(
        "account",
        [
            ops.DropColumnOp.from_column_and_tablename("crm", "account", old),
            ops.AddColumnOp("account", sa.Column("full_name", sa.String(80)), schema="crm"),
        ],
        schema="crm",
    )
    apply_renames(ops.UpgradeOps([modify]), postgresql.dialect(), _say_yes([]))
    (rename,) = [op for op in modify.ops if isinstance(op, RenameColumnOp)]
    assert (rename.table_name, rename.schema) == ("account", "crm")
    assert rename.existing_comment == "the name"
    assert rename.existing_server_default is old.server_default


def _table(name: str, *columns: str, schema: str | None = None) -> sa.Table:
    table = sa.Table(
        name, sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
        *(sa.Column(c, sa.String(20)) for c in columns), schema=schema,
    )
    return table


def test_table_renames_pair_each_create_with_a_drop_of_the_same_columns() -> None:
    old_users = _table("users", "name", schema="crm")
    upgrade = ops.UpgradeOps([
        ops.DropTableOp.from_table(_table("tags", "label", schema="crm")),
        ops.DropTableOp.from_table(old_users),
        ops.DropTableOp.from_table(_table("notes", "body")),
        ops.CreateTableOp.from_table(_table("members", "name", schema="crm")),
        ops.CreateIndexOp("ix_members_name", "members", ["name"], schema="crm"),
        ops.CreateIndexOp("ix_members_id", "members", ["id"], schema="crm"),
        ops.CreateTableOp.from_table(_table("labels", "label", schema="crm")),
        ops.CreateTableOp.from_table(_table("memos", "title")),  # other columns: no pair
    ])
    asked: list[object] = []
    apply_renames(upgrade, postgresql.dialect(), _say_yes(asked))
    # Only tables of the same columns in the same schema are offered; each drop pairs once.
    assert asked == [TableRename("users", "members"), TableRename("tags", "labels")]
    described = [
        (type(op).__name__, getattr(op, "table_name", None), getattr(op, "schema", None))
        for op in upgrade.ops
    ]
    assert [d for d in described if d[0] != "CreateIndexOp"] == [
        ("DropTableOp", "notes", None),
        ("RenameTableOp", "users", "crm"),
        ("RenameTableOp", "tags", "crm"),
        ("CreateTableOp", "memos", None),
    ]


def test_types_outside_the_known_families_are_told_apart_by_class() -> None:
    from flask_remodel.autogenerate.renames import family

    assert family(sa.ARRAY(sa.Integer())) == "ARRAY"
    assert family(sa.Interval()) == "Interval"


def test_each_add_looks_past_drops_of_other_families_and_declined_pairs() -> None:
    drops = [
        sa.Column("age", sa.Integer()), sa.Column("nick", sa.String(20)),
        sa.Column("name", sa.String(20)), sa.Column("mail", sa.String(20)),
    ]
    adds = [sa.Column("full_name", sa.String(20)), sa.Column("email", sa.String(20))]
    modify = ops.ModifyTableOps(
        "account",
        [
            *(ops.DropColumnOp.from_column_and_tablename(None, "account", c) for c in drops),
            *(ops.AddColumnOp("account", c) for c in adds),
        ],
    )
    wanted = {("name", "full_name"), ("mail", "email")}
    decisions = Decisions(decide=lambda q: isinstance(q, ColumnRename) and (q.old, q.new) in wanted)
    apply_renames(ops.UpgradeOps([modify]), postgresql.dialect(), decisions)
    renames = [op for op in modify.ops if isinstance(op, RenameColumnOp)]
    assert sorted((r.column_name, r.new_name) for r in renames) == sorted(wanted)
    assert not [op for op in modify.ops if isinstance(op, ops.AddColumnOp)]


def test_a_column_rename_given_for_another_name_is_not_taken() -> None:
    decisions = Decisions.build(renames=["account.name=full_name"])
    assert decisions.is_renamed_column(ColumnRename("account", "name", "nickname")) is False
    assert decisions.used == set()
