"""drop NOT NULL."""

import sqlalchemy as sa
from alembic import op

revision = '036_u_drop_not_null'
down_revision = '035_u_required_column'

CASE = {"family": 2, "verdict": 'unsafe'}


def upgrade():
    op.alter_column("account", "name", nullable=True, existing_type=sa.String(50))
