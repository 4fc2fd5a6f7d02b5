"""drop foreign key."""

from alembic import op

revision = '044_u_drop_fk'
down_revision = '043_u_drop_add'

CASE = {"family": 3, "verdict": 'unsafe'}


def upgrade():
    op.drop_constraint("fk_orders_account", "orders", type_="foreignkey")
