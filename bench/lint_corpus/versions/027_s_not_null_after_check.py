"""SET NOT NULL after a validated IS NOT NULL check (no scan)."""

import sqlalchemy as sa
from alembic import op

revision = '027_s_not_null_after_check'
down_revision = '026_s_validate'

CASE = {"family": 1, "verdict": 'safe'}


def upgrade():
    op.alter_column("account", "plan", nullable=False, existing_type=sa.String(20))
