"""Constraint naming and the empty-migration hook, on operations built in memory."""

from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from alembic.operations import ops

from flask_remodel.directives import AutogenerateReport
from flask_remodel.directives import name_constraints
from flask_remodel.directives import remodel_directives
from flask_remodel.errors import AutogenerateError


def _script(upgrade: list[object], downgrade: list[object]) -> ops.MigrationScript:
    return ops.MigrationScript(
        "abc", ops.UpgradeOps(ops=upgrade), ops.DowngradeOps(ops=downgrade)
    )


def test_unnamed_unique_constraint_and_its_downgrade_get_the_same_name() -> None:
    create = ops.CreateUniqueConstraintOp(None, "user", ["email"])
    script = _script([create], [create.reverse()])
    report = AutogenerateReport()
    name_constraints(script, report)
    dropped = script.downgrade_ops.ops[0]
    assert create.constraint_name == "uq_user_email"
    assert isinstance(dropped, ops.DropConstraintOp)
    assert dropped.constraint_name == "uq_user_email"
    assert report.named == ["uq_user_email"]  # one name, reported once


def test_foreign_key_and_check_names_are_deterministic() -> None:
    fk = ops.CreateForeignKeyOp(None, "post", "user", ["author_id"], ["id"])
    check = ops.CreateCheckConstraintOp(None, "post", sa.text("length(title) > 0"))
    again = ops.CreateCheckConstraintOp(None, "post", sa.text("length(title) > 0"))
    name_constraints(_script([fk, check], []), AutogenerateReport())
    name_constraints(_script([again], []), AutogenerateReport())
    assert fk.constraint_name == "fk_post_author_id_user"
    assert str(check.constraint_name).startswith("ck_post_")
    assert check.constraint_name == again.constraint_name


def test_named_constraints_are_left_alone() -> None:
    create = ops.CreateUniqueConstraintOp("my_name", "user", ["email"])
    report = AutogenerateReport()
    name_constraints(_script([create], []), report)
    assert create.constraint_name == "my_name"
    assert report.named == []


def test_constraints_inside_a_new_table_are_named() -> None:
    metadata = sa.MetaData()
    sa.Table("user", metadata, sa.Column("id", sa.Integer, primary_key=True))
    table = sa.Table(
        "post",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("slug", sa.String(20)),
        sa.Column("author_id", sa.ForeignKey("user.id")),
        sa.UniqueConstraint("slug"),
        sa.CheckConstraint("length(slug) > 0"),
    )
    create = ops.CreateTableOp.from_table(table)
    name_constraints(_script([create], []), AutogenerateReport())
    names = {c.name for c in table.constraints if not isinstance(c, sa.PrimaryKeyConstraint)}
    assert "uq_post_slug" in names
    assert "fk_post_author_id_user" in names
    assert any(str(n).startswith("ck_post_") for n in names)


def test_dropping_an_unnamed_constraint_with_no_definition_is_refused() -> None:
    drop = ops.DropConstraintOp(None, "user", type_="unique")
    with pytest.raises(AutogenerateError, match="naming convention"):
        name_constraints(_script([drop], []), AutogenerateReport())


def _context(autogenerate: bool) -> SimpleNamespace:
    return SimpleNamespace(
        config=SimpleNamespace(cmd_opts=SimpleNamespace(autogenerate=autogenerate)),
        connection=None,
    )


def test_empty_autogenerate_leaves_no_directives() -> None:
    report = AutogenerateReport()
    directives = [_script([], [])]
    remodel_directives(report)(_context(True), "head", directives)
    assert directives == []
    assert report.empty


def test_empty_plain_revision_is_still_written() -> None:
    directives = [_script([], [])]
    remodel_directives(AutogenerateReport())(_context(False), "head", directives)
    assert len(directives) == 1


def test_multi_database_emptiness_is_decided_after_the_last_database() -> None:
    script = ops.MigrationScript(
        "abc",
        [ops.UpgradeOps(ops=[], upgrade_token="_upgrades")],
        [ops.DowngradeOps(ops=[], downgrade_token="_downgrades")],
    )
    directives = [script]
    hook = remodel_directives(AutogenerateReport(), database_count=2)
    hook(_context(True), "head", directives)
    assert directives == [script]  # the second database has not run yet
    script.upgrade_ops_list.append(ops.UpgradeOps(ops=[], upgrade_token="audit_upgrades"))
    hook(_context(True), "head", directives)
    assert directives == []
