"""rename table."""

from alembic import op

revision = '034_u_rename_table'
down_revision = '033_u_rename_column'

CASE = {"family": 2, "verdict": 'unsafe'}


def upgrade():
    op.rename_table("audit", "audit_log")
