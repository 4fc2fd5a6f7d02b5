"""The rule registry: each rule module registers its check with :func:`rule`.

A rule runs on one kind of thing, named by ``on``:

* a tuple of operation classes: called as ``check(op, ctx)`` for every recorded
  operation of those classes (Alembic ops, or :class:`~.sqltext.SqlStatement`
  parsed from raw SQL);
* ``"revision"``: called once per revision as ``check(ctx)`` (``ctx.ops`` lists
  its operations, ``ctx.source`` its text);
* ``"history"``: called once per run as ``check(ctx)`` (``ctx.heads``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..dialects import dialect_for
from .model import DIALECTS
from .model import Severity

Check = Callable[..., object]

FAMILIES = {
    0: "The linter itself",
    1: "Locks and table rewrites",
    2: "Breaks the code that is still running",
    3: "Data loss and destructive operations",
    4: "Data-dependent (passes in development, fails in production)",
    5: "Transactions, robustness, timeouts",
    6: "Type and naming hygiene (opt-in)",
    7: "History and process",
}


@dataclass(frozen=True)
class RuleInfo:
    id: str
    slug: str
    severity: Severity
    dialects: tuple[str, ...]
    """Target families it applies to: ``postgresql``, ``mysql`` (MySQL and MariaDB), ``sqlite``."""
    on: tuple[type[Any], ...] | str
    check: Check
    default_enabled: bool
    doc: str
    since: str = "0.1"

    @property
    def family(self) -> int:
        return int(self.id[2])

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0] if self.doc.strip() else self.slug

    def applies_to(self, family: str) -> bool:
        return family in self.dialects


RULES: dict[str, RuleInfo] = {}
ALL_DIALECTS = tuple(dict.fromkeys(dialect_for(name).family for name in DIALECTS))
"""The families a rule may name in ``dialects=`` (``mysql`` covers MariaDB)."""


def rule(
    rule_id: str,
    slug: str,
    severity: Severity,
    *,
    dialects: Iterable[str] = ALL_DIALECTS,
    on: tuple[type[Any], ...] | str,
    default_enabled: bool = True,
) -> Callable[[Check], Check]:
    """Register the decorated function as rule *rule_id*; its module docstring documents it."""

    def register(check: Check) -> Check:
        if rule_id in RULES:
            raise RuntimeError(f"rule {rule_id} is registered twice")
        module = sys.modules.get(check.__module__)
        RULES[rule_id] = RuleInfo(
            rule_id,
            slug,
            severity,
            tuple(dialects),
            on,
            check,
            default_enabled,
            (module.__doc__ if module is not None else None) or "",
        )
        return check

    return register


def find_rule(name: str) -> RuleInfo:
    """A rule by id (``RM101``) or slug (``index-not-concurrent``)."""
    from . import rules  # noqa: F401 - registers every rule

    wanted = name.strip()
    for info in RULES.values():
        if wanted.upper() == info.id or wanted.lower() == info.slug:
            return info
    raise KeyError(name)


def all_rules() -> list[RuleInfo]:
    from . import rules  # noqa: F401 - registers every rule

    return [RULES[key] for key in sorted(RULES)]
