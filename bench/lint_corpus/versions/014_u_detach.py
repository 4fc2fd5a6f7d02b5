"""DETACH PARTITION without CONCURRENTLY."""

from alembic import op

revision = '014_u_detach'
down_revision = '013_u_vacuum_full'

CASE = {"family": 1, "verdict": 'unsafe'}


def upgrade():
    op.execute("ALTER TABLE measurement DETACH PARTITION measurement_2020")
