"""A migration that cannot be run again after it failed half-way.

Problem: MariaDB/MySQL commit each DDL statement, so when the third of four
statements fails, the first two stay and the retry fails at the first one.
On PostgreSQL the same holds for statements in an ``autocommit_block()``
(no transaction to roll back).

Safe alternative: ``if_not_exists=True`` / ``if_exists=True`` on the
operations (Alembic >= 1.11.2 for indexes, 1.13.3 for tables, 1.16.0 for
columns and constraints), and one non-transactional statement per revision.

Not flagged: Flask-Remodel's online operations (``op.create_index_online``
first drops the INVALID index an interrupted build left), and on
MariaDB/MySQL statements that create tables, or work on tables created in
the same revision (the initial revision): what a failed run leaves is new
and empty; and ``alter_column`` changes that do not rename (a MODIFY to the
same type, nullability or default runs again without error).

Not reported on MariaDB/MySQL when the revisions run through ``flask db
upgrade`` with the env.py ``flask db init`` writes: a revision that failed
half-way is resumed there, after the statements it committed, instead of
being run again from the top (docs/deploys.md). Still reported for plain
Alembic, older Flask-Migrate env.py files and ``upgrade --sql`` scripts.
PostgreSQL's autocommit blocks are reported whatever the runner: there the
ledger keeps no record of what they committed, so nothing is resumed.

Flagged (MariaDB, without Flask-Remodel's runner): two ``op.add_column``
calls in one revision.
"""

from __future__ import annotations

from typing import Any

from alembic.operations import ops

from ..context import LintContext
from ..context import table_of
from ..model import RecordedOp
from ..model import Severity
from ..registry import rule
from ..runner import RESUMES_PARTIAL
from ._common import issued_by_online

_GUARDABLE = (ops.CreateIndexOp, ops.DropIndexOp, ops.CreateTableOp, ops.DropTableOp,
              ops.AddColumnOp, ops.DropColumnOp)


def _guarded(op: Any) -> bool:
    return bool(getattr(op, "if_not_exists", None) or getattr(op, "if_exists", None))


def _ddl(recorded: RecordedOp) -> bool:
    # An operation another one invoked is counted once, as the outer one.
    return (
        not recorded.issued_by
        and isinstance(recorded.operation, (ops.MigrateOperation,))
        and not isinstance(recorded.operation, (ops.ExecuteSQLOp, ops.BulkInsertOp))
    )


def _reruns(op: Any) -> bool:
    """An ALTER that states the column's new definition: run twice, it just states it again.
    (A rename is not one: the second run finds no column of the old name.)"""
    return isinstance(op, ops.AlterColumnOp) and op.modify_name is None


def _creates_new(recorded: RecordedOp, ctx: LintContext) -> bool:
    """A table, or something on a table, created by this revision: what a failed run
    leaves is new and empty, and dropping it undoes the run."""
    op = recorded.operation
    return isinstance(op, ops.CreateTableOp) or ctx.created_here(table_of(op))


@rule("RM501", "not-rerunnable", Severity.WARNING, dialects=("postgresql", "mysql"),
      on="revision")
def check(ctx: LintContext) -> None:
    if ctx.target.family == "mysql":
        if ctx.runner.provides(RESUMES_PARTIAL):
            return  # a failed run is resumed, not run again from the top
        ddl = [r for r in ctx.ops if _ddl(r)]
        if len(ddl) < 2:
            return
        unguarded = [
            r for r in ddl[:-1]
            if not _guarded(r.operation) and not _reruns(r.operation) and not _creates_new(r, ctx)
        ]
        if unguarded:
            first = unguarded[0]
            ctx.report(
                f"This revision runs {len(ddl)} DDL statements and MariaDB/MySQL commit each "
                f"one: if a later one fails, the retry fails here (line {first.line}) because "
                "this one already ran. Use if_not_exists=/if_exists=, or one statement per "
                "revision.",
                at=first,
            )
        return
    for recorded in ctx.ops:
        if recorded.in_autocommit and isinstance(recorded.operation, _GUARDABLE) and not \
                _guarded(recorded.operation) and not issued_by_online(recorded):
            ctx.report(
                "This runs outside the transaction (autocommit block): after a failure the "
                "retry fails here. Add if_not_exists=True / if_exists=True.",
                at=recorded,
            )
