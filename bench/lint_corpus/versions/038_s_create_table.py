# ruff: noqa: E501
"""create a table."""

import sqlalchemy as sa
from alembic import op

revision = '038_s_create_table'
down_revision = '037_u_type_kind'

CASE = {"family": 2, "verdict": 'safe'}


def upgrade():
    op.create_table("note", sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True), sa.Column("body", sa.Text()))
