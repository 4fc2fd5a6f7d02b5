"""SET NOT NULL with a full scan."""

import sqlalchemy as sa
from alembic import op

revision = '009_u_set_not_null'
down_revision = '008_u_int_bigint'

CASE = {"family": 1, "verdict": 'unsafe'}


def upgrade():
    op.alter_column("account", "phone", nullable=False, existing_type=sa.String(30))
