# ruff: noqa: E501
"""CHECK NOT VALID."""

from alembic import op

revision = '025_s_check_not_valid'
down_revision = '024_s_numeric_up'

CASE = {"family": 1, "verdict": 'safe'}


def upgrade():
    op.create_check_constraint("ck_account_plan_nn", "account", "plan IS NOT NULL", postgresql_not_valid=True)
