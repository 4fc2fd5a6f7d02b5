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
from alembic.script import Script
from alembic.script import ScriptDirectory

from .._alembic import commits_each_step
from .._alembic import downgrade_steps
from .._alembic import steps_one_at_a_time
from .._alembic import upgrade_steps
from ..deploy.runner import StepHooks
from ..online.statements import run_revision
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


def move_each(
    session: Session,
    script: ScriptDirectory,
    direction: str,
    revisions: list[Script],
    hooks: StepHooks,
    *,
    tag: str | None = None,
) -> bool:
    """Apply (or undo) exactly *revisions*, in order, in one run of ``env.py``.

    One connection, one set of session settings and one ``env.py`` run for
    the lot, but still one transaction per revision, with *hooks* called
    around each (see :class:`~flask_remodel.deploy.runner.StepHooks`), and
    each revision retried whole after a lock timeout where its transaction
    allows (:func:`~flask_remodel.online.statements.run_revision`).
    Returns False, having run none of them, when ``env.py`` configures a
    context that would not commit each revision on its own.
    """
    is_upgrade = direction == "upgrade"
    ran = False

    def steps(current: Any, context: Any) -> Any:
        nonlocal ran
        if not commits_each_step(context):
            return []
        ran = True
        return steps_one_at_a_time(
            script, revisions, is_upgrade, before=hooks.before,
            inside=lambda revision: hooks.inside(revision, context.connection),
            committed=hooks.committed, around=run_revision,
        )

    last = revisions[-1]
    destination = last.revision if is_upgrade else _below(last)
    with EnvironmentContext(
        session.config, script, fn=steps, destination_rev=destination, tag=tag
    ):
        script.run_env()
    return ran


def _below(revision: Script) -> str:
    down = revision.down_revision
    return str(down) if down else "base"
