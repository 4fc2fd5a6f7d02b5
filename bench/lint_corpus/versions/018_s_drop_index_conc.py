# ruff: noqa: E501
"""drop index concurrently."""

from alembic import op

revision = '018_s_drop_index_conc'
down_revision = '017_s_index_new_table'

CASE = {"family": 1, "verdict": 'safe'}


def upgrade():
    with op.get_context().autocommit_block():
        op.drop_index("ix_account_bio", table_name="account", postgresql_concurrently=True, if_exists=True)
