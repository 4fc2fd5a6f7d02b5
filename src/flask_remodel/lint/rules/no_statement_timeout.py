"""Schema changes without a statement timeout.

Problem: a runaway statement holds its locks and resources for as long as it
runs.

Safe alternative: a runner default, raised per revision for index builds::

    op.execute("SET statement_timeout = '15min'")

Not reported when the upgrades run through Flask-Remodel's own env.py with
``REMODEL_STATEMENT_TIMEOUT`` above 0: it sets the limit on every statement.

Flagged: ``op.create_index(...)`` with no ``SET statement_timeout`` before it.
"""

from __future__ import annotations

from ..context import LintContext
from ..model import Severity
from ..registry import rule
from ..runner import STATEMENT_TIMEOUT
from ._timeouts import first_unprotected

SETTINGS = {"postgresql": ("statement_timeout",),
            "mysql": ("max_execution_time", "max_statement_time")}


@rule("RM512", "no-statement-timeout", Severity.INFO, dialects=("postgresql", "mysql"),
      on="revision")
def check(ctx: LintContext) -> None:
    if ctx.runner.provides(STATEMENT_TIMEOUT):
        return
    found = first_unprotected(ctx, SETTINGS[ctx.target.family])
    if found is not None:
        ctx.report(
            "No statement timeout is set before this schema change: a runaway statement keeps "
            "its locks until it ends.",
            at=found,
        )
