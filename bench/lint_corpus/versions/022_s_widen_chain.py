"""varchar(100) -> varchar(300), old type known only from the chain."""

import sqlalchemy as sa
from alembic import op

revision = '022_s_widen_chain'
down_revision = '021_s_widen_varchar'

CASE = {"family": 1, "verdict": 'safe'}


def upgrade():
    op.alter_column("account", "bio", type_=sa.String(300))
