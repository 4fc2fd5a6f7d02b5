"""The one place that touches Alembic's private API.

Keep every such use here, each with the reason and the Alembic versions it
was checked on (1.18.4 and 1.20.1), so an Alembic upgrade has one file to review.
"""

from __future__ import annotations

from alembic.script import Script


def mark_current(script: Script, is_current: bool) -> None:
    """Make ``Script.cmd_format`` print "(current)" as ``alembic history -i`` does.

    Alembic keeps this flag in ``Script._db_current_indicator``; formatting
    the line ourselves would drift from Alembic's layout.
    """
    script._db_current_indicator = is_current
