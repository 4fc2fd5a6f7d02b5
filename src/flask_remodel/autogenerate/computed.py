"""Computed (generated) columns: compared without crashing or false alarms.

With a ``compare_server_default`` callable (Flask-Remodel sets one on SQLite
and MariaDB), Alembic 1.18-1.20 reads ``server_default.arg`` of a reflected
computed column, which has none, and autogenerate fails. This comparator runs
first for server defaults and settles every column with a computed side:
databases cannot alter a generation expression in place, and Alembic only
warns about a changed one, so there is nothing to migrate here.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa


def compare_computed(
    autogen_context: Any,
    alter_column_op: Any,
    schema: str | None,
    tname: str,
    cname: str,
    conn_col: sa.Column[Any],
    metadata_col: sa.Column[Any],
) -> Any:
    from alembic.util import PriorityDispatchResult

    if isinstance(conn_col.server_default, sa.Computed) or isinstance(
        metadata_col.server_default, sa.Computed
    ):
        return PriorityDispatchResult.STOP
    return PriorityDispatchResult.CONTINUE


def setup(plugin: Any) -> None:
    from alembic.util import DispatchPriority

    # Within one priority Alembic runs a dialect's comparators before the
    # default ones: that puts this ahead of its own FIRST-priority comparator.
    for dialect in ("sqlite", "mysql", "mariadb", "postgresql"):
        plugin.add_autogenerate_comparator(
            compare_computed, "column", "server_default",
            qualifier=dialect, priority=DispatchPriority.FIRST,
        )
