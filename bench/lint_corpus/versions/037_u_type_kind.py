# ruff: noqa: E501
"""string -> integer."""

import sqlalchemy as sa
from alembic import op

revision = '037_u_type_kind'
down_revision = '036_u_drop_not_null'

CASE = {"family": 2, "verdict": 'unsafe'}


def upgrade():
    op.alter_column("orders", "ref", type_=sa.Integer(), existing_type=sa.String(20), postgresql_using="ref::integer")
