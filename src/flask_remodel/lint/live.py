"""Lint a revision's operations as the real upgrade sends them, each before it runs.

``upgrade`` must not run a revision's ``upgrade()`` a second time (offline)
just to lint it: the code may print, write files or call services. For a
pending revision no lint run has recorded (:mod:`.records`), the operations
are judged here as the real run reaches them, through the same recorder as
the offline linter (:func:`flask_remodel._alembic.intercepted_running_operations`),
before each is carried out. A finding is handed to *on_findings*, which may
raise to stop the run before that operation.

The schema before the revision is not replayed (that would run the earlier
revisions' code): rules that ask about a column's previous state read the
operation's ``existing_*`` arguments, as for a table the chain never created.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager

from .._alembic import intercepted_running_operations
from .context import LintContext
from .engine import RuleSelection
from .engine import _call
from .engine import _Run
from .engine import _run_op_rules
from .engine import _unused_acknowledgements
from .model import Finding
from .model import RecordedOp
from .model import Target
from .recorder import RevisionSource
from .recorder import _Recorder
from .schema import Schema

OnFindings = Callable[[RevisionSource, list[Finding], list[Finding], bool], None]
"""``on_findings(source, findings, acknowledged, before_op)``: *before_op* is True when
the operation they are about has not run yet (raising stops it), False once the
revision's ``upgrade()`` returned (its revision-wide rules)."""


class LiveLint:
    """The rules for *target*, applied to revisions while they really run."""

    def __init__(
        self, target: Target, selection: RuleSelection, on_findings: OnFindings
    ) -> None:
        self.run = _Run(target, selection.rules_for(target), ())
        self.on_findings = on_findings

    @contextmanager
    def watching(self, source: RevisionSource) -> Iterator[None]:
        """Around the real call of *source*'s ``upgrade()``, inside its migration run."""
        schema = self.run.schemas.setdefault(source.bind, Schema())
        recorder = _Recorder(source, io.StringIO(), self.run.target)
        recorder.render = False
        ctx = LintContext(
            self.run.target, schema, source.revision, source.path, source.source,
            recorder.ops,  # the same list: rules see the operations so far
        )

        def judge(recorded: list[RecordedOp]) -> None:
            seen = len(ctx.findings)
            for op in recorded:
                _run_op_rules(self.run, ctx, op)
                schema.apply(op.operation, source.revision)
            self._hand_on(source, ctx.findings[seen:], before_op=True)

        recorder.gate = judge
        with intercepted_running_operations(
            invoke=recorder.wrap_invoke, batch_alter_table=recorder.wrap_batch,
            get_bind=recorder.wrap_get_bind, autocommit_block=recorder.wrap_autocommit,
        ) as context:
            recorder.context = context
            yield
        seen = len(ctx.findings)
        for info in self.run.rules:
            if info.on == "revision":
                _call(info, ctx)
        found = ctx.findings[seen:] + list(_unused_acknowledgements(ctx, self.run))
        self._hand_on(source, found, before_op=False)

    def _hand_on(self, source: RevisionSource, found: list[Finding], before_op: bool) -> None:
        if not found:
            return
        open_ = [f for f in found if f.acknowledged is None]
        acknowledged = [f for f in found if f.acknowledged is not None]
        self.on_findings(source, open_, acknowledged, before_op)
