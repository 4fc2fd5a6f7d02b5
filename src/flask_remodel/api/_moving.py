"""Moving the database with Alembic's upgrade/downgrade on the session's indexed revisions.

Alembic's ``command.upgrade``/``downgrade`` load the migrations folder again,
importing every revision file. This is their body on the session's own
``ScriptDirectory`` (built from the revision index), so only the revisions
that run are imported: none when the database is already at the target. Both
the plain path (``--sql``) and the deploy runner's per-revision steps use it.
"""

from __future__ import annotations

from typing import Any

from alembic.runtime.environment import EnvironmentContext
from alembic.script import ScriptDirectory

from .._alembic import downgrade_steps
from .._alembic import upgrade_steps
from ._session import Session


def move(
    session: Session,
    script: ScriptDirectory,
    direction: str,
    revision: str,
    *,
    sql: bool = False,
    starting_rev: str | None = None,
    tag: str | None = None,
) -> None:
    """Run ``env.py`` to move the database (or, *sql*, the script) to *revision*."""
    steps_for = upgrade_steps if direction == "upgrade" else downgrade_steps

    def steps(current: Any, context: Any) -> Any:
        return steps_for(script, revision, current)

    with EnvironmentContext(
        session.config, script, fn=steps, as_sql=sql, starting_rev=starting_rev,
        destination_rev=revision, tag=tag,
    ):
        script.run_env()
