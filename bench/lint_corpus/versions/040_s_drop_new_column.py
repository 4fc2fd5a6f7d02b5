"""drop a column added in the same revision."""

import sqlalchemy as sa
from alembic import op

revision = '040_s_drop_new_column'
down_revision = '039_s_rename_with_view'

CASE = {"family": 2, "verdict": 'safe'}


def upgrade():
    op.add_column("account", sa.Column("tmp", sa.Text()))
    op.drop_column("account", "tmp")
