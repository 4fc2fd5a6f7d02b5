"""drop table."""

from alembic import op

revision = '032_u_drop_table'
down_revision = '031_u_drop_column'

CASE = {"family": 2, "verdict": 'unsafe'}


def upgrade():
    op.drop_table("archive")
