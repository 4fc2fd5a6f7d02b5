"""TRUNCATE without CASCADE of a table created in the same revision."""

import sqlalchemy as sa
from alembic import op

revision = '047_s_truncate_new'
down_revision = '046_s_drop_new_table'

CASE = {"family": 3, "verdict": 'safe'}


def upgrade():
    op.create_table("staging", sa.Column("id", sa.Integer()))
    op.execute("TRUNCATE staging")
