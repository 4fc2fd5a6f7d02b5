"""Run the enabled rules over recorded revisions and apply acknowledgements."""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from .context import LintContext
from .model import Finding
from .model import LintReport
from .model import RecordedOp
from .model import Severity
from .model import Target
from .recorder import RevisionSource
from .recorder import offline_context
from .recorder import record
from .registry import RuleInfo
from .registry import all_rules
from .registry import find_rule
from .rules._common import usual_lock
from .runner import UNKNOWN
from .runner import Runner
from .schema import Schema


@dataclass
class RuleSelection:
    """Rules switched on (``enable``) or off (``disable``) beyond the defaults."""

    enable: tuple[str, ...] = ()
    disable: tuple[str, ...] = ()

    def rules_for(self, target: Target) -> list[RuleInfo]:
        on = {find_rule(name).id for name in self.enable}
        off = {find_rule(name).id for name in self.disable}
        return [
            info
            for info in all_rules()
            if info.applies_to(target.family)
            and (info.default_enabled or info.id in on)
            and info.id not in off
        ]


@dataclass
class _Run:
    target: Target
    rules: list[RuleInfo]
    heads: tuple[str, ...]
    runner: Runner = UNKNOWN
    schemas: dict[str | None, Schema] = field(default_factory=dict)
    offline: Any = None


def _call(info: RuleInfo, ctx: LintContext, *args: object) -> None:
    ctx.rule = info
    info.check(*args, ctx)


def _run_op_rules(run: _Run, ctx: LintContext, recorded: RecordedOp) -> None:
    ctx.current = recorded
    # Every finding says what its operation locks, even when its rule is about
    # something else (a dropped column's lock, a rename's).
    ctx.current_lock = usual_lock(recorded.operation, ctx)
    for info in run.rules:
        if isinstance(info.on, tuple) and isinstance(recorded.operation, info.on):
            _call(info, ctx, recorded.operation)
    ctx.current = ctx.current_lock = None


def _lint_revision(run: _Run, source: RevisionSource, lint: bool) -> LintContext:
    schema = run.schemas.setdefault(source.bind, Schema())
    if run.offline is None:
        run.offline = offline_context(run.target)
    recorded = record(source, run.target, run.offline, render=lint, schema=schema)
    ctx = LintContext(
        run.target,
        schema,
        source.revision,
        source.path,
        source.source,
        recorded.ops,
        heads=run.heads,
        stopped=recorded.stopped,
        runner=run.runner,
    )
    for op in recorded.ops:
        if lint:
            _run_op_rules(run, ctx, op)
        schema.apply(op.operation, source.revision)
    if lint:
        for info in run.rules:
            if info.on == "revision":
                _call(info, ctx)
    return ctx


def _file(report: LintReport, ctx: LintContext, run: _Run) -> None:
    """Add a linted revision's findings to *report*, acknowledged ones apart, in line order."""
    for finding in sorted(ctx.findings, key=lambda f: f.line):
        if finding.acknowledged is None:
            report.findings.append(finding)
        else:
            report.acknowledged.append(finding)
    report.findings.extend(_unused_acknowledgements(ctx, run))


def _unused_acknowledgements(ctx: LintContext, run: _Run) -> Iterator[Finding]:
    """RM001 for each acknowledgement of the revision that covered no finding."""
    enabled = {r.id for r in run.rules} | {r.slug.upper() for r in run.rules}
    if "RM001" not in enabled:
        return
    for ack in ctx.acknowledgements:
        # An acknowledgement for a rule that does not apply to this target (a
        # PostgreSQL-only rule when linting for SQLite) is not stale.
        applies = any(name.upper() in enabled for name in ack.rules)
        if applies and not ack.used:
            names = ", ".join(ack.rules) or "nothing"
            yield Finding(
                "RM001",
                "unused-acknowledgement",
                Severity.WARNING,
                f"'# remodel: allow[{names}]' matches no finding here (any more): "
                "remove the comment, or move it onto the operation it is meant for.",
                ctx.path,
                ack.line,
                ctx.revision,
            )


def lint_sources(
    sources: Iterable[RevisionSource],
    target: Target,
    *,
    lint: Iterable[str] | None = None,
    selection: RuleSelection | None = None,
    heads: tuple[str, ...] = (),
    runner: Runner = UNKNOWN,
) -> LintReport:
    """Lint *sources* (oldest first; all of them replayed for the schema).

    :param lint: revision ids to report on (default: all); the others are only
        replayed, so the schema before the linted ones is known.
    :param runner: what will run the upgrades (default: nothing known of it).
    """
    selection = selection or RuleSelection()
    run = _Run(target, selection.rules_for(target), heads, runner)
    wanted = None if lint is None else set(lint)
    report = LintReport(target)
    paths: dict[str, str] = {}
    for source in sources:
        paths[source.revision] = source.path
        checking = wanted is None or source.revision in wanted
        ctx = _lint_revision(run, source, checking)
        if checking:
            if source.revision not in report.revisions:
                report.revisions.append(source.revision)
            _file(report, ctx, run)
    if heads and (wanted is None or wanted):
        newest = next((paths[h] for h in reversed(heads) if h in paths), "")
        history_ctx = LintContext(target, Schema(), "", newest, heads=heads, runner=runner)
        for info in run.rules:
            if info.on == "history":
                _call(info, history_ctx)
        report.findings.extend(history_ctx.findings)
    return report
