"""type change in raw SQL."""

from alembic import op

revision = '015_u_raw_type'
down_revision = '014_u_detach'

CASE = {"family": 1, "verdict": 'unsafe'}


def upgrade():
    op.execute("ALTER TABLE orders ALTER COLUMN amount TYPE double precision")
