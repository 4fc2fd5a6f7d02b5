"""drop_index without CONCURRENTLY."""

from alembic import op

revision = '002_u_drop_index'
down_revision = '001_u_index'

CASE = {"family": 1, "verdict": 'unsafe'}


def upgrade():
    op.drop_index("ix_orders_ref", table_name="orders")
