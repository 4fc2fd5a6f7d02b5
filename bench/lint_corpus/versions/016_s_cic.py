# ruff: noqa: E501
"""concurrent index in autocommit_block."""

from alembic import op

revision = '016_s_cic'
down_revision = '015_u_raw_type'

CASE = {"family": 1, "verdict": 'safe'}


def upgrade():
    with op.get_context().autocommit_block():
        op.create_index("ix_account_bio", "account", ["bio"], postgresql_concurrently=True, if_not_exists=True)
