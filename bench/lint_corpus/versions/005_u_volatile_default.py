# ruff: noqa: E501
"""add column with gen_random_uuid() default."""

import sqlalchemy as sa
from alembic import op

revision = '005_u_volatile_default'
down_revision = '004_u_reindex'

CASE = {"family": 1, "verdict": 'unsafe'}


def upgrade():
    op.add_column("account", sa.Column("token", sa.String(36), server_default=sa.text("gen_random_uuid()")))
