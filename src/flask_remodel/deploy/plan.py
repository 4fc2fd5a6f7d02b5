"""``upgrade --plan`` / ``downgrade --plan``: what would run, without running it.

Operations are read from the revision source (no import, no call); the SQL
comes from Alembic's offline mode for that one revision, which never
connects. A revision whose SQL cannot be rendered offline (SQLite batch
rebuilds need to read the live table) says so instead of failing the plan.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from dataclasses import dataclass
from typing import Any

from alembic.script import Script

from ..errors import IncompatibleReleaseError
from .scripts import revision_facts


@dataclass(frozen=True)
class PlannedRevision:
    revision: str
    message: str
    direction: str
    phase: str | None
    operations: tuple[str, ...]
    sql: str | None
    sql_note: str
    """Why ``sql`` is missing, if it is."""
    reversible: bool
    loses_data: bool
    findings: tuple[str, ...] = ()
    """The linter's findings for this revision, one line each (upgrades only)."""

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["operations"] = list(self.operations)
        data["findings"] = list(self.findings)
        return data

    def rollback_note(self) -> str:
        if self.direction == "downgrade":
            return "undoes the upgrade" + (" (data it removed is gone)" if self.loses_data else "")
        if not self.reversible:
            return "cannot be rolled back (downgrade() is empty or raises)"
        if self.loses_data:
            return "can be rolled back, but dropped data does not come back"
        return "can be rolled back"


def plan(
    steps: list[Script], direction: str, sql_for: Callable[[Script], str]
) -> list[PlannedRevision]:
    """One entry per revision in *steps*; *sql_for* renders its SQL offline."""
    planned = []
    for step in steps:
        facts = revision_facts(step.path)
        sql: str | None
        try:
            sql, note = sql_for(step), ""
        except IncompatibleReleaseError:
            raise  # an Alembic that changed: no plan is right
        except Exception as exc:  # shown in the plan; nothing ran
            text = str(exc).strip()
            sql, note = None, text.splitlines()[0] if text else type(exc).__name__
        ops = facts.upgrade_ops if direction == "upgrade" else facts.downgrade_ops
        planned.append(
            PlannedRevision(
                step.revision, step.doc or "", direction, facts.phase, ops, sql, note,
                facts.reversible, facts.loses_data,
            )
        )
    return planned
