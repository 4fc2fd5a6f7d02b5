"""validated CHECK constraint."""

from alembic import op

revision = '010_u_check'
down_revision = '009_u_set_not_null'

CASE = {"family": 1, "verdict": 'unsafe'}


def upgrade():
    op.create_check_constraint("ck_orders_total", "orders", "total >= 0")
