"""varchar(50) -> varchar(200) (metadata only)."""

import sqlalchemy as sa
from alembic import op

revision = '021_s_widen_varchar'
down_revision = '020_s_const_default'

CASE = {"family": 1, "verdict": 'safe'}


def upgrade():
    op.alter_column("account", "nick", type_=sa.String(200), existing_type=sa.String(50))
