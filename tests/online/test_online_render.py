"""Autogenerate writes each online operation as the call a person would write."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import render_python_code
from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.operations import ops
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine.default import DefaultDialect

from flask_remodel.autogenerate.operations import FillNullsOp
from flask_remodel.online import BackfillOp
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


def _rendered(op: ops.MigrateOperation) -> tuple[Any, set[str]]:
    """What autogenerate writes for *op*, and the imports it noted for the script."""
    context = AutogenContext(
        MigrationContext.configure(dialect=DefaultDialect()),
        opts={"sqlalchemy_module_prefix": "sa.", "alembic_module_prefix": "op.",
              "user_module_prefix": None, "render_item": None},
    )
    return renderers.dispatch(op)(context, op), context.imports


def test_backfill_renders_values_as_values_and_strings_as_sql() -> None:
    text, _ = _rendered(
        BackfillOp(
            "user", {"surname": sa.literal("O'Brien", sa.String(40)), "n": 3,
                     "email_lower": "lower(email)"},
            where='"surname" IS NULL',
        )
    )
    assert text == (
        "op.backfill('user', {'surname': sa.literal(\"O'Brien\", sa.String(length=40)), "
        "'n': 3, 'email_lower': 'lower(email)'}, where='\"surname\" IS NULL')"
    )


def test_backfill_renders_only_the_options_that_differ_from_the_defaults() -> None:
    text, _ = _rendered(
        BackfillOp("t", {"a": 1}, batch_size=500, batch_time=None, schema="s", key="code")
    )
    assert text == (
        "op.backfill('t', {'a': 1}, schema='s', batch_size=500, key='code', batch_time=None)"
    )


def test_dates_and_decimals_bring_their_imports() -> None:
    day = datetime.date(2024, 5, 1)
    text, imports = _rendered(BackfillOp("t", {"born": sa.literal(day, sa.Date())}))
    assert "sa.literal(datetime.date(2024, 5, 1), sa.Date())" in text
    assert imports == {"import datetime"}
    lines, imports = _rendered(FillNullsOp("t", "n", Decimal("1.5"), sa.Numeric(10, 2)))
    assert "{'n': Decimal('1.5')}" in "".join(lines)
    assert imports == {"from decimal import Decimal"}
