"""drop + add = lost data (probable rename)."""

import sqlalchemy as sa
from alembic import op

revision = '043_u_drop_add'
down_revision = '042_u_truncate_cascade'

CASE = {"family": 3, "verdict": 'unsafe'}


def upgrade():
    op.drop_column("account", "code")
    op.add_column("account", sa.Column("promo_code", sa.String(20)))
