"""Computed and identity columns: server defaults compared without crashes or false alarms.

With a ``compare_server_default`` callable (Flask-Remodel sets one on SQLite
and MariaDB), Alembic 1.18-1.20 reads ``server_default.arg`` of a reflected
computed column, which has none, and autogenerate fails. :func:`compare_computed`
runs first for server defaults and settles every column with a computed side:
databases cannot alter a generation expression in place, and Alembic only
warns about a changed one, so there is nothing to migrate here. Alembic 1.16
and 1.17 look for a computed side themselves before they call the callable,
so there it is not registered (they do still warn "cannot be modified" when
the expression changed).

Those releases have the opposite gap for identity columns: they compare an
identity's server default themselves and never ask the callable, so the "no
change" Flask-Remodel's callable gives for the identities SQLite and MariaDB
cannot reflect (:mod:`flask_remodel.comparators`) would be lost and every
autogenerate would alter the column. :func:`compare_identity` gives the
callable its say there, as 1.18+ does.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from .registration import Comparator


def compare_computed(
    autogen_context: Any,
    alter_column_op: Any,
    schema: str | None,
    tname: str,
    cname: str,
    conn_col: sa.Column[Any],
    metadata_col: sa.Column[Any],
) -> bool:
    """Settle (``True``) the server default of a column computed on either side."""
    return isinstance(conn_col.server_default, sa.Computed) or isinstance(
        metadata_col.server_default, sa.Computed
    )


def compare_identity(
    autogen_context: Any,
    alter_column_op: Any,
    schema: str | None,
    tname: str,
    cname: str,
    conn_col: sa.Column[Any],
    metadata_col: sa.Column[Any],
) -> None:
    """After Alembic's own comparison: the callable's answer for a model identity column.

    It gets what Alembic 1.18+ gives it (an identity renders as no default);
    ``False`` undoes the change Alembic found, ``True`` makes one, ``None``
    keeps Alembic's result.
    """
    judge = autogen_context.opts.get("compare_server_default")
    if not callable(judge) or not isinstance(metadata_col.server_default, sa.Identity):
        return
    reflected = getattr(getattr(conn_col.server_default, "arg", None), "text", None)
    changed = judge(
        autogen_context.migration_context, conn_col, metadata_col,
        reflected, metadata_col.server_default, None,
    )
    if changed is not None:
        alter_column_op.modify_server_default = metadata_col.server_default if changed else False


#: The plugin ``flask_remodel.computed``, registered by :mod:`.plugin`. Within one
#: priority Alembic runs a dialect's comparators before the default ones: naming
#: the dialects puts :func:`compare_computed` ahead of its own first
#: server-default comparator.
COMPARATORS = (
    Comparator(
        compare_computed, "column", "server_default",
        dialects=("sqlite", "mysql", "mariadb", "postgresql"), first=True,
    ),
    Comparator(compare_identity, "column", "server_default", only_before_1_18=True),
)
