"""UNIQUE constraint built under ACCESS EXCLUSIVE."""

from alembic import op

revision = '012_u_unique'
down_revision = '011_u_fk'

CASE = {"family": 1, "verdict": 'unsafe'}


def upgrade():
    op.create_unique_constraint("uq_account_code", "account", ["code"])
