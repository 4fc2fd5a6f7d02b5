"""TRUNCATE ... CASCADE."""

from alembic import op

revision = '042_u_truncate_cascade'
down_revision = '041_u_drop_schema'

CASE = {"family": 3, "verdict": 'unsafe'}


def upgrade():
    op.execute("TRUNCATE account CASCADE")
