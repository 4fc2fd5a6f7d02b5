"""add column with constant default."""

import sqlalchemy as sa
from alembic import op

revision = '020_s_const_default'
down_revision = '019_s_stable_default'

CASE = {"family": 1, "verdict": 'safe'}


def upgrade():
    op.add_column("orders", sa.Column("status", sa.Text(), server_default="new"))
