"""UPDATE in the same revision as the ALTER."""

import sqlalchemy as sa
from alembic import op

revision = '050_u_backfill'
down_revision = '049_u_commit'

CASE = {"family": 5, "verdict": 'unsafe'}


def upgrade():
    op.add_column("orders", sa.Column("discount", sa.Numeric(10, 2)))
    op.execute("UPDATE orders SET discount = 0")
