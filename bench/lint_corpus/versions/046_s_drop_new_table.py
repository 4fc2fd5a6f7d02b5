"""drop a table created in the same revision."""

import sqlalchemy as sa
from alembic import op

revision = '046_s_drop_new_table'
down_revision = '045_u_narrow'

CASE = {"family": 3, "verdict": 'safe'}


def upgrade():
    op.create_table("scratch", sa.Column("id", sa.Integer()))
    op.drop_table("scratch")
