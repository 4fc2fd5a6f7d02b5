"""The linter could not run the whole of ``upgrade()`` offline.

Problem: the revision needs more of a live connection than the replay gives
(the database's catalog: foreign keys, sequences, views) or raised, so
operations after that line were not checked. ``op.get_bind()`` itself is
answered: its dialect name and version are the target's, every query returns
no rows (an aggregate one row), ``sa.inspect()`` reads the tables, columns,
indexes and unique constraints the replay built, and ORM sessions work.

Safe alternative: keep data access in its own revision (RM504), or review
that revision by hand and acknowledge this with ``# remodel: allow[RM002] reason``
on the line named.

Flagged: ``sa.inspect(op.get_bind()).get_foreign_keys("orders")`` in ``upgrade()``.
"""

from __future__ import annotations

from ..context import LintContext
from ..model import Severity
from ..registry import rule


@rule("RM002", "analysis-incomplete", Severity.WARNING, on="revision")
def check(ctx: LintContext) -> None:
    if ctx.stopped is None:
        return
    line, reason = ctx.stopped
    if reason.startswith("NoInspectionAvailable"):
        # Its own text names the linter's stand-in connection class, which means nothing
        # to the reader.
        reason = "sa.inspect() reflects the schema, which needs a live database"
    elif reason.startswith("NotKnownOffline: "):
        reason = reason.removeprefix("NotKnownOffline: ")
    ctx.report(
        f"upgrade() stopped at this line when run offline ({reason}); operations after it "
        "were not checked. Review them by hand.",
        line=line or 1,
        at=None,
    )
