"""numeric(10,2) -> numeric(14,2) (metadata only)."""

import sqlalchemy as sa
from alembic import op

revision = '024_s_numeric_up'
down_revision = '023_s_varchar_text'

CASE = {"family": 1, "verdict": 'safe'}


def upgrade():
    op.alter_column("orders", "price", type_=sa.Numeric(14, 2), existing_type=sa.Numeric(10, 2))
