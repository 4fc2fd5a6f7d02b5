"""VALIDATE CONSTRAINT in its own revision."""

from alembic import op

revision = '026_s_validate'
down_revision = '025_s_check_not_valid'

CASE = {"family": 1, "verdict": 'safe'}


def upgrade():
    op.execute("ALTER TABLE account VALIDATE CONSTRAINT ck_account_plan_nn")
