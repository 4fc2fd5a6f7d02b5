"""validated foreign key."""

import sqlalchemy as sa
from alembic import op

revision = '011_u_fk'
down_revision = '010_u_check'

CASE = {"family": 1, "verdict": 'unsafe'}


def upgrade():
    op.create_table("item", sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True))
    # (the FK is on the existing table, not on the new one)
    op.add_column("orders", sa.Column("item_id", sa.BigInteger()))
    op.create_foreign_key("fk_orders_item", "orders", "item", ["item_id"], ["id"])
