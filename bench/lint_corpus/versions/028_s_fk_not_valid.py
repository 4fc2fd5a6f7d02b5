# ruff: noqa: E501
"""foreign key NOT VALID."""

import sqlalchemy as sa
from alembic import op

revision = '028_s_fk_not_valid'
down_revision = '027_s_not_null_after_check'

CASE = {"family": 1, "verdict": 'safe'}


def upgrade():
    op.add_column("orders", sa.Column("tag_id", sa.BigInteger()))
    op.create_foreign_key("fk_orders_tag", "orders", "tag", ["tag_id"], ["id"], postgresql_not_valid=True)
