"""ALTER TYPE ADD VALUE in autocommit_block, positioned."""

from alembic import op

revision = '051_s_enum_autocommit'
down_revision = '050_u_backfill'

CASE = {"family": 5, "verdict": 'safe'}


def upgrade():
    op.execute("CREATE TYPE mood AS ENUM ('ok', 'sad')")
    with op.get_context().autocommit_block():
        op.execute("ALTER TYPE mood ADD VALUE IF NOT EXISTS 'meh' AFTER 'ok'")
