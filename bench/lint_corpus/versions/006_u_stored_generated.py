"""add stored generated column."""

import sqlalchemy as sa
from alembic import op

revision = '006_u_stored_generated'
down_revision = '005_u_volatile_default'

CASE = {"family": 1, "verdict": 'unsafe'}


def upgrade():
    op.add_column("orders", sa.Column("double_total", sa.Numeric(12, 2), sa.Computed("total * 2")))
