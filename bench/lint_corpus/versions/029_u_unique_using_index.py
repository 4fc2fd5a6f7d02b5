# ruff: noqa: E501
"""unique index concurrently, then UNIQUE USING INDEX: no long lock, but fails on duplicate data."""

from alembic import op

revision = '029_u_unique_using_index'
down_revision = '028_s_fk_not_valid'

CASE = {"family": 4, "verdict": "unsafe"}


def upgrade():
    with op.get_context().autocommit_block():
        op.create_index("uq_orders_sku", "orders", ["sku"], unique=True, postgresql_concurrently=True, if_not_exists=True)
    op.execute("ALTER TABLE orders ADD CONSTRAINT uq_orders_sku UNIQUE USING INDEX uq_orders_sku")
