"""Operations that do not name their schema (opt-in, PostgreSQL).

Problem: the object lands wherever ``search_path`` points at run time.

Safe alternative: pass ``schema="..."`` to the operation.

Flagged: ``op.add_column("account", sa.Column("x", sa.Integer()))``
"""

from __future__ import annotations

from typing import Any

from alembic.operations import ops

from ..context import LintContext
from ..context import table_of
from ..model import Severity
from ..registry import rule


@rule("RM607", "schema-qualified", Severity.INFO, dialects=("postgresql",),
      on=(ops.CreateTableOp, ops.AddColumnOp, ops.AlterColumnOp, ops.DropColumnOp,
          ops.CreateIndexOp, ops.DropTableOp), default_enabled=False)
def check(op: Any, ctx: LintContext) -> None:
    assert ctx.current is not None
    if getattr(op, "schema", None) is None and not ctx.current.from_raw_sql:
        ctx.report(f"No schema= given: {table_of(op)} is looked up (or created) wherever "
                   "search_path points at run time.")
