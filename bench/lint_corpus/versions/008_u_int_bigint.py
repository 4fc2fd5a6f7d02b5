"""int -> bigint (rewrite)."""

import sqlalchemy as sa
from alembic import op

revision = '008_u_int_bigint'
down_revision = '007_u_identity'

CASE = {"family": 1, "verdict": 'unsafe'}


def upgrade():
    op.alter_column("orders", "qty", type_=sa.BigInteger(), existing_type=sa.Integer())
