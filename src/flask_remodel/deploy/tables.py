"""The two tables Flask-Remodel keeps beside Alembic's version table.

``remodel_ledger``: one row per revision run (applied, rolled back, stamped,
failed, resolved). ``remodel_lock``: who holds the deploy lock right now
(PostgreSQL and MariaDB/MySQL; SQLite keeps it in the lock file).

Neither belongs to the app's models, so autogenerate must not offer to drop
them: :func:`exclude_own_tables` wraps the app's ``include_name`` hook.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

LEDGER_TABLE = "remodel_ledger"
LOCK_TABLE = "remodel_lock"
OWN_TABLES = frozenset({LEDGER_TABLE, LOCK_TABLE})


def ledger_table(schema: str | None = None) -> sa.Table:
    return sa.Table(
        LEDGER_TABLE,
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("revision", sa.String(64), nullable=False, index=True),
        sa.Column("direction", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("checksum", sa.String(64)),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime),
        sa.Column("duration_ms", sa.Integer),
        sa.Column("host", sa.String(255)),
        sa.Column("pid", sa.Integer),
        sa.Column("username", sa.String(255)),
        sa.Column("failed_operation", sa.Text),
        sa.Column("error", sa.Text),
        sa.Column("executed", sa.Text),
        schema=schema,
    )


def lock_table(schema: str | None = None) -> sa.Table:
    return sa.Table(
        LOCK_TABLE,
        sa.MetaData(),
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("command", sa.String(32)),
        sa.Column("target", sa.String(255)),
        sa.Column("host", sa.String(255)),
        sa.Column("pid", sa.Integer),
        sa.Column("since", sa.String(32)),
        # The server sessions the holder works through, comma-separated: a waiter
        # that gets the lock after the holder's lock session ended waits for them.
        sa.Column("sessions", sa.String(1000)),
        schema=schema,
    )


IncludeName = Callable[[Any, str, dict[str, Any]], bool]


def exclude_own_tables(user_hook: IncludeName | None) -> IncludeName:
    """An ``include_name`` hook that hides the ledger and lock tables, then asks *user_hook*."""

    def include_name(name: Any, type_: str, parent_names: dict[str, Any]) -> bool:
        if type_ == "table" and name in OWN_TABLES:
            return False
        return True if user_hook is None else bool(user_hook(name, type_, parent_names))

    return include_name
