# ruff: noqa: E501
"""unique index on existing data (fails on duplicates)."""

from alembic import op

revision = '048_u_unique_data'
down_revision = '047_s_truncate_new'

CASE = {"family": 4, "verdict": 'unsafe'}


def upgrade():
    with op.get_context().autocommit_block():
        op.create_index("uq_account_email", "account", ["email"], unique=True, postgresql_concurrently=True, if_not_exists=True)
