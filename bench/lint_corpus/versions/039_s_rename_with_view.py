"""rename table and keep a view with the old name."""

from alembic import op

revision = '039_s_rename_with_view'
down_revision = '038_s_create_table'

CASE = {"family": 2, "verdict": 'safe'}


def upgrade():
    op.rename_table("note", "memo")
    op.execute("CREATE VIEW note AS SELECT * FROM memo")
