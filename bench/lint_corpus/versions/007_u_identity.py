"""add identity column to existing table."""

import sqlalchemy as sa
from alembic import op

revision = '007_u_identity'
down_revision = '006_u_stored_generated'

CASE = {"family": 1, "verdict": 'unsafe'}


def upgrade():
    op.add_column("audit", sa.Column("seq", sa.BigInteger(), sa.Identity()))
