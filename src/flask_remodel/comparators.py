"""Server-default comparison without the false alarms Alembic raises on its own.

Measured with Alembic 1.20 (see the project's reference notes): comparing
server defaults reports a change on every run for MariaDB's ``now()`` and
boolean defaults, and for Identity columns on SQLite and MariaDB, which
reflect no identity. This comparator settles those cases and leaves every
other one to Alembic (it returns ``None``).
"""

from __future__ import annotations

import re
from typing import Any

# Spellings databases give back for the same default.
_SYNONYMS = {
    "now()": "current_timestamp",
    "current_timestamp()": "current_timestamp",
    "localtimestamp": "current_timestamp",
    "localtimestamp()": "current_timestamp",
    "true": "1",
    "false": "0",
}


def _normalise(text: str | None) -> str | None:
    if text is None:
        return None
    value = text.strip().lower()
    # Databases wrap defaults in parentheses and quotes to varying depths.
    while len(value) >= 2 and value[0] + value[-1] in ("()", "''", '""'):
        value = value[1:-1].strip()
    value = re.sub(r"::[\w ]+$", "", value)  # PostgreSQL casts: 'abc'::character varying
    value = value.strip("'")
    return _SYNONYMS.get(value, value)


def compare_server_default(
    context: Any,
    inspected_column: Any,
    metadata_column: Any,
    inspected_default: str | None,
    metadata_default: Any,
    rendered_metadata_default: str | None,
) -> bool | None:
    """Alembic ``compare_server_default`` hook: ``False`` means "no change"."""
    dialect = context.dialect.name
    if getattr(metadata_column, "identity", None) is not None and dialect != "postgresql":
        # SQLite and MariaDB have no identity to reflect: nothing to compare.
        return False
    if inspected_default is None or rendered_metadata_default is None:
        return None
    if _normalise(inspected_default) == _normalise(rendered_metadata_default):
        return False
    return None


def server_default_comparison(dialect_name: str) -> Any:
    """The ``compare_server_default`` setting for a database.

    PostgreSQL gets Alembic's own comparison: it has none of the false alarms,
    and Alembic cannot hand a reflected Identity column to a callable there
    (it reads ``.arg`` of the Identity and fails).
    """
    return True if dialect_name == "postgresql" else compare_server_default
