"""concurrent index inside the transaction."""

from alembic import op

revision = '003_u_cic_in_tx'
down_revision = '002_u_drop_index'

CASE = {"family": 1, "verdict": 'unsafe'}


def upgrade():
    op.create_index("ix_account_nick", "account", ["nick"], postgresql_concurrently=True)
