"""What a rule can ask while it judges one operation or revision."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from dataclasses import field
from functools import cached_property
from typing import Any

from alembic.operations import ops as alembic_ops

from ..dialects import dialect_for
from . import ignore
from .model import Finding
from .model import RecordedOp
from .model import Severity
from .model import Target
from .registry import RuleInfo
from .runner import UNKNOWN
from .runner import Runner
from .schema import Schema
from .sqltext import SqlStatement


def table_of(operation: Any) -> str | None:
    """The table an operation works on, whatever its class calls it."""
    for attr in ("table_name", "source_table", "table"):
        value = getattr(operation, attr, None)
        if isinstance(value, str):
            return value
    return None


@dataclass
class LintContext:
    target: Target
    schema: Schema
    """The schema just before the operation being judged."""
    revision: str
    path: str
    source: str = ""
    ops: list[RecordedOp] = field(default_factory=list)
    """Every operation of the revision, in order."""
    current: RecordedOp | None = None
    rule: RuleInfo | None = None
    heads: tuple[str, ...] = ()
    findings: list[Finding] = field(default_factory=list)
    stopped: tuple[int, str] | None = None
    current_lock: tuple[str, bool] | None = None
    """(lock, rewrites) the current operation takes when its rule names no lock: set by
    the engine with ``current``, so every finding on an operation says what it locks."""
    runner: Runner = UNKNOWN
    """What runs the upgrades, and so what each revision need not do itself."""

    @cached_property
    def tree(self) -> ast.Module | None:
        """The revision file's syntax tree (None if it does not parse), parsed once
        per revision for every rule that reads the source."""
        try:
            return ast.parse(self.source)
        except SyntaxError:
            return None

    @cached_property
    def acknowledgements(self) -> list[ignore.Acknowledgement]:
        """The revision's ``# remodel: allow[...]`` comments, read once."""
        return ignore.acknowledgements(self.source)

    @cached_property
    def _statement_spans(self) -> list[tuple[int, int]]:
        return ignore.statement_spans(self.source)

    def _acknowledged(self, rule: RuleInfo, line: int) -> str | None:
        """The reason of the acknowledgement covering *rule* on *line*, if one does."""
        if not self.acknowledgements:
            return None
        ack = ignore.match(rule.id, rule.slug, line, self.acknowledgements, self._statement_spans)
        return None if ack is None else ack.reason or "(no reason given)"

    @property
    def transactional(self) -> bool:
        """Whether the target runs a revision's DDL in one transaction (MySQL does not)."""
        return dialect_for(self.target.name).transactional_ddl

    def created_here(self, table: str | None) -> bool:
        """True when *table* was created earlier in this same revision (so it is empty)."""
        if table is None:
            return False
        state = self.schema.table(table)
        return state is not None and state.created_in == self.revision

    def new_column(self, table: str | None, column: str) -> bool:
        """True when *column* of *table* was added (or its table created) in this revision.

        The column holds nothing but its default on existing rows, or nothing at all
        in a table created here.
        """
        if self.created_here(table):
            return True
        state = self.schema.column(table, column)
        return state is not None and state.created_in == self.revision

    def before(self) -> list[RecordedOp]:
        """The operations of this revision that ran before the current one."""
        if self.current is None:
            return list(self.ops)
        return self.ops[: self.current.index]

    def existing(self, op: alembic_ops.AlterColumnOp) -> tuple[Any, bool | None]:
        """(type, nullable) of the column before *op*: the chain's, else ``existing_*``."""
        column = self.schema.column(op.table_name, op.column_name)
        type_ = op.existing_type if op.existing_type is not None else None
        nullable = op.existing_nullable
        if column is not None:
            type_ = column.type if column.type is not None else type_
            nullable = column.nullable if column.nullable is not None else nullable
        return type_, nullable

    def report(
        self,
        message: str,
        *,
        at: RecordedOp | None = None,
        severity: Severity | None = None,
        lock: str | None = None,
        rewrites: bool | None = None,
        fix: str | None = None,
        line: int | None = None,
    ) -> Finding:
        """Record a finding of the running rule on *at* (default: the current operation)."""
        assert self.rule is not None
        where = at or self.current
        if lock is None and self.current_lock is not None:
            lock, rewrites = self.current_lock
        if line is None:
            line = where.line if where is not None else 1
        finding = Finding(
            self.rule.id,
            self.rule.slug,
            severity or self.rule.severity,
            message,
            where.path if where is not None else self.path,
            line,
            self.revision,
            _statement(where),
            lock,
            rewrites,
            fix,
            acknowledged=self._acknowledged(self.rule, line),
            op_index=where.index if where is not None else None,
        )
        self.findings.append(finding)
        return finding


def _statement(where: RecordedOp | None) -> str | None:
    """The SQL a finding on *where* quotes: the raw statement, else what Alembic rendered."""
    if where is None:
        return None
    if isinstance(where.operation, SqlStatement):
        return where.operation.text
    return where.sql
