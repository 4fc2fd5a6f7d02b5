"""Autogenerate writes each online operation as the call a person would write."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import render_python_code
from alembic.operations import ops

from flask_remodel.online import CreateCheckConstraintOnlineOp
from flask_remodel.online import CreateForeignKeyOnlineOp
from flask_remodel.online import CreateIndexOnlineOp
from flask_remodel.online import CreateUniqueConstraintOnlineOp
from flask_remodel.online import DropIndexOnlineOp
from flask_remodel.online import SetNotNullOnlineOp


def _lines(*operations: ops.MigrateOperation) -> list[str]:
    code = render_python_code(ops.UpgradeOps(list(operations)))
    return [line.strip() for line in code.splitlines() if line.strip().startswith("op.")]


def test_each_operation_renders_as_its_op_call() -> None:
    assert _lines(
        CreateIndexOnlineOp("ix_user_email", "user", ["email"]),
        CreateIndexOnlineOp("ix_a_b", "a", ["b", "c"], unique=True, schema="s"),
        DropIndexOnlineOp("ix_user_email", "user"),
        CreateForeignKeyOnlineOp(
            "fk_post_user", "post", "user", ["user_id"], ["id"], ondelete="CASCADE"
        ),
        CreateCheckConstraintOnlineOp("ck_post_n", "post", "n > 0"),
        SetNotNullOnlineOp("user", "email", existing_type=sa.String(50)),
        CreateUniqueConstraintOnlineOp("uq_user_email", "user", ["email"]),
    ) == [
        "op.create_index_online('ix_user_email', 'user', ['email'])",
        "op.create_index_online('ix_a_b', 'a', ['b', 'c'], unique=True, schema='s')",
        "op.drop_index_online('ix_user_email', 'user')",
        "op.create_foreign_key_online('fk_post_user', 'post', 'user', ['user_id'], ['id'], "
        "ondelete='CASCADE')",
        "op.create_check_constraint_online('ck_post_n', 'post', 'n > 0')",
        "op.set_not_null_online('user', 'email', existing_type=sa.String(length=50))",
        "op.create_unique_constraint_online('uq_user_email', 'user', ['email'])",
    ]
