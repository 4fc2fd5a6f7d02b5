"""VACUUM FULL."""

from alembic import op

revision = '013_u_vacuum_full'
down_revision = '012_u_unique'

CASE = {"family": 1, "verdict": 'unsafe'}


def upgrade():
    op.execute("VACUUM FULL audit")
