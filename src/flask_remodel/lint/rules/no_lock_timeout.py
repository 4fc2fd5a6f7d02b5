"""Schema changes on existing tables without a lock timeout.

Problem: an ALTER waiting for its lock makes every later query on the table
wait behind it (measured: a plain SELECT waited 5.0 s on PostgreSQL with no
``lock_timeout`` and on MariaDB, whose default ``lock_wait_timeout`` is
86,400 s).

Safe alternative: let the deploy runner set ``lock_timeout`` (PostgreSQL) or
``lock_wait_timeout`` (MariaDB/MySQL) and retry; as a fallback, set it at
the top of the revision::

    op.execute("SET lock_timeout = '5s'")

Not reported when the upgrades run through Flask-Remodel's own env.py with
``REMODEL_LOCK_TIMEOUT`` above 0 (the default, 50 ms, with retries): it sets
the timeout on every statement, and the script ``upgrade --sql`` writes
through it starts with the same ``SET``. Still reported for old Flask-Migrate
env.py files and plain Alembic.

Flagged: ``op.add_column("account", ...)`` with no ``SET lock_timeout`` before it.
"""

from __future__ import annotations

from ..context import LintContext
from ..model import Severity
from ..registry import rule
from ..runner import LOCK_TIMEOUT
from ._timeouts import first_unprotected

SETTINGS = {"postgresql": ("lock_timeout",), "mysql": ("lock_wait_timeout",)}
FIX = {"postgresql": "op.execute(\"SET lock_timeout = '5s'\")",
       "mysql": 'op.execute("SET SESSION lock_wait_timeout = 5")'}


@rule("RM511", "no-lock-timeout", Severity.WARNING, dialects=("postgresql", "mysql"),
      on="revision")
def check(ctx: LintContext) -> None:
    if ctx.runner.provides(LOCK_TIMEOUT):
        return
    family = ctx.target.family
    found = first_unprotected(ctx, SETTINGS[family])
    if found is not None:
        ctx.report(
            "No lock timeout is set before this schema change: while it waits for its lock, "
            "every query on the table queues behind it. Set one (and retry on timeout).",
            at=found, fix=FIX[family],
        )
