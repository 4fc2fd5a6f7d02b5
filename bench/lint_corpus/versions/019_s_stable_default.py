# ruff: noqa: E501
"""add column with now() default (no rewrite on PG 11+)."""

import sqlalchemy as sa
from alembic import op

revision = '019_s_stable_default'
down_revision = '018_s_drop_index_conc'

CASE = {"family": 1, "verdict": 'safe'}


def upgrade():
    op.add_column("account", sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()")))
