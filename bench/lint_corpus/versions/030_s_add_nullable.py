"""add a nullable column."""

import sqlalchemy as sa
from alembic import op

revision = '030_s_add_nullable'
down_revision = '029_u_unique_using_index'

CASE = {"family": 1, "verdict": 'safe'}


def upgrade():
    op.add_column("account", sa.Column("locale", sa.Text()))
