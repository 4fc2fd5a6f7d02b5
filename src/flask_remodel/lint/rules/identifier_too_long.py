"""Names longer than the database allows.

Problem: PostgreSQL silently truncates identifiers to 63 bytes, so two long
names can collide and ``drop_constraint`` by the long name misses; MySQL and
MariaDB refuse names over 64 characters.

Safe alternative: shorter names; a naming convention that keeps them short.

Flagged: ``op.create_index("ix_" + "x" * 70, "account", ["email"])``
"""

from __future__ import annotations

from typing import Any

from alembic.operations import ops

from ..context import LintContext
from ..model import Severity
from ..registry import rule
from ._columns import declared_columns

LIMITS = {"postgresql": 63, "mysql": 64}


def _names(op: Any) -> list[str]:
    names = [c.name for _, c in declared_columns(op)]
    for attr in ("table_name", "index_name", "constraint_name", "new_table_name", "modify_name"):
        value = getattr(op, attr, None)
        if isinstance(value, str):
            names.append(value)
    return names


@rule("RM605", "identifier-too-long", Severity.WARNING, dialects=("postgresql", "mysql"),
      on=(ops.MigrateOperation,))
def check(op: Any, ctx: LintContext) -> None:
    limit = LIMITS[ctx.target.family]
    for name in _names(op):
        size = len(name.encode()) if ctx.target.family == "postgresql" else len(name)
        if size > limit:
            ctx.report(
                f"'{name[:30]}...' is {size} long; the limit is {limit}"
                + (" and PostgreSQL silently truncates it." if limit == 63 else ".")
            )
