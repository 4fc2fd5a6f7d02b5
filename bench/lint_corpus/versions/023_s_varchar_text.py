"""varchar -> text (metadata only)."""

import sqlalchemy as sa
from alembic import op

revision = '023_s_varchar_text'
down_revision = '022_s_widen_chain'

CASE = {"family": 1, "verdict": 'safe'}


def upgrade():
    op.alter_column("orders", "sku", type_=sa.Text(), existing_type=sa.String(40))
