"""The linter's data: severities, targets, findings and recorded operations."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from ..dialects import dialect_for
from ..dialects import registered_dialects


class Severity(enum.IntEnum):
    """How bad a finding is; ``--fail-on`` compares against this order."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity '{text}': use error, warning or info") from None


DIALECTS = tuple(name for name in registered_dialects() if dialect_for(name).linted)
"""Target names ``--target`` accepts: the registered dialects the linter has rules for."""

_TARGET = re.compile(r"^\s*(?P<name>[a-z]+)(?:\s*:\s*(?P<version>\d+(?:\.\d+)*))?\s*$")


@dataclass(frozen=True)
class Target:
    """The database the migrations will run on: its name and, if known, its version."""

    name: str
    version: tuple[int, ...] | None = None

    @property
    def family(self) -> str:
        """``mysql`` for MySQL and MariaDB (the rules that apply to both say so)."""
        return dialect_for(self.name).family

    def at_least(self, *version: int) -> bool:
        """True when the version is known to be >= *version*, or unknown (assume recent)."""
        return self.version is None or self.version >= version

    def below(self, *version: int) -> bool:
        """True only when the version is known and older than *version*."""
        return self.version is not None and self.version < version

    def __str__(self) -> str:
        if self.version is None:
            return self.name
        return f"{self.name}:{'.'.join(str(part) for part in self.version)}"

    @classmethod
    def parse(cls, text: str) -> Target:
        """``postgresql``, ``postgresql:15``, ``mariadb:10.11``, ``sqlite`` ..."""
        match = _TARGET.match(text.lower())
        if match is None or match.group("name") not in DIALECTS:
            raise ValueError(
                f"unknown target '{text}': use one of {', '.join(DIALECTS)}, "
                "optionally with ':VERSION' (e.g. postgresql:15)"
            )
        version = match.group("version")
        parsed = tuple(int(part) for part in version.split(".")) if version else None
        return cls(match.group("name"), parsed)


@dataclass
class RecordedOp:
    """One operation a revision's ``upgrade()`` asked for, with where and how it ran."""

    operation: Any
    """An Alembic ``MigrateOperation``, or a :class:`~.sqltext.SqlStatement` from raw SQL."""
    path: str
    line: int
    sql: str | None = None
    """The statement(s) Alembic rendered for the target, when it could."""
    batch_table: str | None = None
    in_autocommit: bool = False
    index: int = 0
    """Position in the revision (0-based), for rules that look at what came before."""
    from_raw_sql: bool = False
    issued_by: tuple[Any, ...] = ()
    """The operations whose implementations invoked this one, outermost first
    (``op.expand_column``, then ``op.backfill`` for its UPDATE); empty for an
    operation the revision called itself."""


@dataclass(frozen=True)
class Finding:
    """One problem: what, where, what it locks, and what to write instead.

    Built once, by :meth:`~.context.LintContext.report` (or the engine, for
    RM001), with every field final: the operation's usual lock when its rule
    named none, and the acknowledgement that covers it, are known by then.
    """

    rule_id: str
    slug: str
    severity: Severity
    message: str
    path: str
    line: int
    revision: str
    statement: str | None = None
    lock: str | None = None
    rewrites: bool | None = None
    fix: str | None = None
    acknowledged: str | None = None
    """The reason given in ``# remodel: allow[...]``, when acknowledged."""
    op_index: int | None = None
    """Which operation of the revision (0-based), for ``--verify``."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule_id,
            "slug": self.slug,
            "severity": self.severity.label,
            "message": self.message,
            "path": self.path,
            "line": self.line,
            "revision": self.revision,
            "statement": self.statement,
            "lock": self.lock,
            "rewrites_table": self.rewrites,
            "fix": self.fix,
            "acknowledged": self.acknowledged,
        }


@dataclass
class LintReport:
    """Everything one lint run found."""

    target: Target
    revisions: list[str] = field(default_factory=list)
    """The revisions checked, oldest first."""
    findings: list[Finding] = field(default_factory=list)
    """Findings not acknowledged, in revision and line order."""
    acknowledged: list[Finding] = field(default_factory=list)
    verification: list[Any] | None = None
    """With ``--verify``: one :class:`~.observing.Observation` per operation run on the server."""

    def at_or_above(self, severity: Severity) -> list[Finding]:
        return [f for f in self.findings if f.severity >= severity]
