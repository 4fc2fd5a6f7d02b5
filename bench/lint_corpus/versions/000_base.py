# ruff: noqa: E501
"""starting schema (not scored)."""

import sqlalchemy as sa
from alembic import op

revision = '000_base'
down_revision = None

CASE = {"family": 0, "verdict": 'base'}


def upgrade():
    op.create_table("account", sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
                    sa.Column("email", sa.String(50)), sa.Column("name", sa.String(50), nullable=False),
                    sa.Column("nick", sa.String(50)), sa.Column("bio", sa.String(100)),
                    sa.Column("legacy", sa.Text()), sa.Column("code", sa.String(20)),
                    sa.Column("score", sa.Integer()), sa.Column("plan", sa.String(20)),
                    sa.Column("phone", sa.String(30)))
    op.create_table("orders", sa.Column("id", sa.Integer(), primary_key=True),
                    sa.Column("account_id", sa.BigInteger()), sa.Column("ref", sa.String(20)),
                    sa.Column("total", sa.Numeric(10, 2)), sa.Column("note", sa.Text()),
                    sa.Column("qty", sa.Integer()), sa.Column("amount", sa.Numeric(10, 2)),
                    sa.Column("sku", sa.String(40)), sa.Column("price", sa.Numeric(10, 2)))
    op.create_table("audit", sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
                    sa.Column("what", sa.Text()))
    op.create_table("archive", sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True))
    op.create_table("measurement", sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True))
    op.create_index("ix_orders_ref", "orders", ["ref"])
    op.create_foreign_key("fk_orders_account", "orders", "account", ["account_id"], ["id"],
                          ondelete="CASCADE")
