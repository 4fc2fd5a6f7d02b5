"""varchar(50) -> varchar(10)."""

import sqlalchemy as sa
from alembic import op

revision = '045_u_narrow'
down_revision = '044_u_drop_fk'

CASE = {"family": 3, "verdict": 'unsafe'}


def upgrade():
    op.alter_column("account", "email", type_=sa.String(10), existing_type=sa.String(50))
