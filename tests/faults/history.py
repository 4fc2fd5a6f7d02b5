"""The project every fault trial upgrades: seven revisions over a table with rows.

``r1`` creates ``item`` with its rows (before the trial starts); the trial's
``upgrade`` runs ``r2``..``r7``: DDL (a column, an index, a table), DML (a data
migration and an ``INSERT ... SELECT``) and an ``op.backfill`` in batches.
:func:`present` says, from the database alone, how much of each revision is
there, so a trial can hold the ledger and the version table to it.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from support import engine_for

BODIES: dict[str, str] = {
    "r1": (
        "item = op.create_table('item', sa.Column('id', sa.Integer, primary_key=True),"
        " sa.Column('name', sa.String(50), nullable=False),"
        " sa.Column('qty', sa.Integer, nullable=False))\n"
        "op.bulk_insert(item, [{'id': i, 'name': f'item {i % 97}', 'qty': i % 13}"
        " for i in range(1, int(os.environ.get('REMODEL_FAULT_ROWS', '300')) + 1)])"
    ),
    "r2": "op.add_column('item', sa.Column('price', sa.Integer))",
    "r3": "op.execute('UPDATE item SET price = qty * 10')",
    "r4": "op.create_index('ix_item_name', 'item', ['name'])",
    "r5": (
        "op.create_table('item_note', sa.Column('id', sa.Integer, primary_key=True),"
        " sa.Column('item_id', sa.Integer), sa.Column('note', sa.String(60)))\n"
        "op.execute('INSERT INTO item_note (item_id, note) SELECT id, name FROM item')"
    ),
    "r6": "op.add_column('item', sa.Column('label', sa.String(50)))",
    "r7": (
        "op.backfill('item', {'label': 'name'}, where='label IS NULL', batch_size=50,"
        " batch_time=None)"
    ),
}
REVISIONS = list(BODIES)
HEAD = REVISIONS[-1]
BACKFILL = "r7"  # its batches commit on their own on the servers

# What undoes each statement a partial revision committed on MariaDB (the
# "repair the schema by hand" of docs/deploys.md). The backfill's batches need
# nothing: running it again updates only the rows still NULL.
UNDO: dict[str, str | None] = {
    "ADD COLUMN price": "ALTER TABLE item DROP COLUMN price",
    "CREATE INDEX ix_item_name": "DROP INDEX ix_item_name ON item",
    "CREATE TABLE item_note": "DROP TABLE item_note",
    "ADD COLUMN label": "ALTER TABLE item DROP COLUMN label",
    "UPDATE item SET label": None,
}

SCRIPT = '''"""step {revision}"""
import os

import sqlalchemy as sa
from alembic import op

revision = {revision!r}
down_revision = {down!r}


def upgrade():
{body}


def downgrade():
    pass
'''


def write_history(versions: Path) -> None:
    for index, (revision, body) in enumerate(BODIES.items()):
        down = REVISIONS[index - 1] if index else None
        body = "\n".join("    " + line for line in body.splitlines())
        script = SCRIPT.format(revision=revision, down=down, body=body)
        (versions / f"{revision}_step.py").write_text(script)


def present(url: str, rows: int) -> dict[str, str]:
    """How much of each revision ``r2``..``r7`` the database holds: all, none or some."""
    with engine_for(url) as engine, engine.connect() as connection:
        inspector = sa.inspect(connection)
        tables = set(inspector.get_table_names())
        columns = {c["name"] for c in inspector.get_columns("item")}
        indexes = {i["name"] for i in inspector.get_indexes("item")}

        def count(sql: str) -> int:
            return int(connection.execute(sa.text(sql)).scalar() or 0)

        def share(done: int) -> str:
            return "all" if done == rows else "none" if done == 0 else "some"

        found = {
            "r2": "all" if "price" in columns else "none",
            "r3": share(count("SELECT COUNT(*) FROM item WHERE price = qty * 10"))
            if "price" in columns else "none",
            "r4": "all" if "ix_item_name" in indexes else "none",
            "r5": share(count("SELECT COUNT(*) FROM item_note"))
            if "item_note" in tables else "none",
            "r6": "all" if "label" in columns else "none",
            "r7": share(count("SELECT COUNT(*) FROM item WHERE label = name"))
            if "label" in columns else "none",
        }
        # r5's table can exist with none of its rows (MariaDB commits the CREATE alone).
        if "item_note" in tables and found["r5"] == "none":
            found["r5"] = "some"
    return found


def item_count(url: str) -> int:
    with engine_for(url) as engine, engine.connect() as connection:
        return int(connection.execute(sa.text("SELECT COUNT(*) FROM item")).scalar() or 0)
