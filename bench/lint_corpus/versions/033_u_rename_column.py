"""rename column (Alembic syntax: RENAME a TO b)."""

import sqlalchemy as sa
from alembic import op

revision = '033_u_rename_column'
down_revision = '032_u_drop_table'

CASE = {"family": 2, "verdict": 'unsafe'}


def upgrade():
    op.alter_column("orders", "note", new_column_name="remark", existing_type=sa.Text())
