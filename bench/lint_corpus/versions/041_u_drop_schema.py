"""DROP SCHEMA."""

from alembic import op

revision = '041_u_drop_schema'
down_revision = '040_s_drop_new_column'

CASE = {"family": 3, "verdict": 'unsafe'}


def upgrade():
    op.execute("DROP SCHEMA reporting CASCADE")
