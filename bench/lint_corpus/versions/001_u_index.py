"""create_index without CONCURRENTLY."""

from alembic import op

revision = '001_u_index'
down_revision = '000_base'

CASE = {"family": 1, "verdict": 'unsafe'}


def upgrade():
    op.create_index("ix_account_email", "account", ["email"])
