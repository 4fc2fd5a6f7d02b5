"""drop column."""

from alembic import op

revision = '031_u_drop_column'
down_revision = '030_s_add_nullable'

CASE = {"family": 2, "verdict": 'unsafe'}


def upgrade():
    op.drop_column("account", "legacy")
