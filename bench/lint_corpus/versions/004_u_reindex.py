"""REINDEX without CONCURRENTLY."""

from alembic import op

revision = '004_u_reindex'
down_revision = '003_u_cic_in_tx'

CASE = {"family": 1, "verdict": 'unsafe'}


def upgrade():
    op.execute("REINDEX INDEX ix_account_nick")
