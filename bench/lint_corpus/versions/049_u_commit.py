"""manual COMMIT."""

from alembic import op

revision = '049_u_commit'
down_revision = '048_u_unique_data'

CASE = {"family": 5, "verdict": 'unsafe'}


def upgrade():
    op.execute("COMMIT")
