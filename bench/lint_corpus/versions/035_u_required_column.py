"""add NOT NULL column without default."""

import sqlalchemy as sa
from alembic import op

revision = '035_u_required_column'
down_revision = '034_u_rename_table'

CASE = {"family": 2, "verdict": 'unsafe'}


def upgrade():
    op.add_column("orders", sa.Column("currency", sa.String(3), nullable=False))
