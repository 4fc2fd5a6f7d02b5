# ruff: noqa: E501
"""index on a table created in the same revision."""

import sqlalchemy as sa
from alembic import op

revision = '017_s_index_new_table'
down_revision = '016_s_cic'

CASE = {"family": 1, "verdict": 'safe'}


def upgrade():
    op.create_table("tag", sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True), sa.Column("label", sa.Text()))
    op.create_index("ix_tag_label", "tag", ["label"])
