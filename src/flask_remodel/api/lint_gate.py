"""The lint gate of every upgrade, ``flask db upgrade`` and :func:`~.upgrading.upgrade` alike.

A revision's ``upgrade()`` runs once: in the real run. The findings of a
pending revision come from what ``migrate`` or ``flask db lint`` recorded for
that very file (:mod:`flask_remodel.lint.records`): those are shown, and
errors among them stop the upgrade before anything runs. A pending revision
with no record is linted operation by operation as the real run reaches it
(:mod:`flask_remodel.lint.live`): an error stops the run before that
operation, in the revision's transaction where the database has one.

A fresh database (no revision applied, no table) has nothing to lint: no
rows to lose, no table a lock would hold up.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from alembic.script import Script
from alembic.script import ScriptDirectory

from ..deploy.tables import OWN_TABLES
from ..dialects import dialect_for
from ..extension import current_settings
from ..lint import Finding
from ..lint import LintFindingsError
from ..lint import LintReport
from ..lint import RuleSelection
from ..lint import Severity
from ..lint import Target
from ..lint.history import before_baseline
from ..lint.history import sources_for
from ..lint.live import LiveLint
from ..lint.recorder import RevisionSource
from ._session import PathArg
from ._session import Session
from ._session import XArg
from ._session import guarded
from ._session import open_session
from .deploying import deploy_target
from .deploying import several_binds
from .linting import _pending
from .linting import _target
from .linting import lint_mode
from .linting import recorded_findings
from .linting import selection

Show = Callable[[LintReport], None]


def _is_fresh(session: Session, heads: tuple[str, ...]) -> bool:
    """No revision applied and no table of the app's: an upgrade there endangers nothing."""
    if heads:
        return False
    engine = session.state.model_source().engine(None)
    version_table = session.state.user_configure_args.get("version_table") or "alembic_version"
    try:
        tables = set(sa.inspect(engine).get_table_names())
    except sa.exc.SQLAlchemyError:
        return False  # cannot tell: lint
    return not (tables - OWN_TABLES - {version_table})


@dataclass
class UpgradeGate:
    """Watches the pending revisions no lint run recorded, while the upgrade runs them."""

    target: Target
    rules: RuleSelection
    sources: list[RevisionSource]
    show: Show | None
    blocking: bool
    live: LiveLint = field(init=False)

    def __post_init__(self) -> None:
        self.live = LiveLint(self.target, self.rules, self.on_findings)
        self.transactional = dialect_for(self.target.name).transactional_ddl

    def on_findings(
        self, source: RevisionSource, found: list[Finding], acknowledged: list[Finding],
        before_op: bool,
    ) -> None:
        report = LintReport(self.target, [source.revision], found, acknowledged)
        if self.show is not None and found:
            self.show(report)
        errors = report.at_or_above(Severity.ERROR)
        # After upgrade() returned, stopping only helps where the revision's
        # transaction can still take its work back.
        if self.blocking and errors and (before_op or self.transactional):
            line = errors[0].line
            raise LintFindingsError(
                len(errors), "error",
                f"upgrade in revision {source.revision} (line {line}) before "
                + ("that operation ran" if before_op else "it was committed")
                + "; revisions before it are applied",
            )

    @contextmanager
    def installed(self) -> Iterator[None]:
        """Watch each revision's upgrade function(s) for the length of the run."""
        patched: list[tuple[dict[str, Any], str, Any]] = []
        for source in self.sources:
            function = source.upgrade
            name = "upgrade" if source.bind is None else f"upgrade_{source.bind}"
            namespace = getattr(function, "__globals__", None)
            # Alembic calls ``module.upgrade``, and the multi-database template
            # looks ``upgrade_<bind>`` up in the module's globals: both read
            # this namespace, so the wrapper is what runs.
            if namespace is None or namespace.get(name) is not function:
                continue
            namespace[name] = self._watched(source, function)
            patched.append((namespace, name, function))
        try:
            yield
        finally:
            for namespace, name, function in patched:
                namespace[name] = function

    def _watched(self, source: RevisionSource, function: Callable[..., Any]) -> Callable[..., Any]:
        def upgrade(*args: Any, **kwargs: Any) -> Any:
            with self.live.watching(source):
                return function(*args, **kwargs)

        return upgrade


def lint_before_upgrade(
    directory: PathArg = None,
    revision: str = "head",
    strict: bool = False,
    x_arg: XArg = None,
    show: Show | None = None,
    repeat_recorded: bool = True,
) -> UpgradeGate | None:
    """Check what the upgrade to *revision* runs; the gate for the rest, or None.

    Recorded findings are handed to *show* (the CLI prints them), and
    :class:`~flask_remodel.lint.LintFindingsError` is raised before anything
    runs when one is an error and *strict* is set or ``REMODEL_LINT = "error"``.
    Without *show* and without either, nothing is linted: there would be
    nothing to print and nothing to stop.

    With *repeat_recorded* False, recorded findings go to *show* only when
    errors among them stop the upgrade, and then only those errors: the lint
    run that recorded them showed them already (``flask db upgrade`` without
    ``-v``). Findings of revisions linted as they run are always shown.
    """
    blocking = strict or lint_mode() == "error"
    if (show is None and not blocking) or (lint_mode() == "off" and not strict):
        return None
    session = open_session(directory, x_arg)
    script = session.script_directory()
    heads = _database_heads(session, script)
    if _is_fresh(session, heads):
        return None
    pending = _pending(session, script, revision, heads)
    exempt = before_baseline(script, current_settings().lint_baseline)
    scripts = [_script(script, rev) for rev in pending if rev not in exempt]
    if not scripts:
        return None
    target = _target(session, None)
    chosen = selection(target)
    recorded = recorded_findings(script, target, chosen).find(
        {s.revision: s.path for s in scripts}, target
    )
    if recorded:
        report = LintReport(target, [s.revision for s in scripts if s.revision in recorded])
        for rev in report.revisions:
            report.findings.extend(recorded[rev].findings)
            report.acknowledged.extend(recorded[rev].acknowledged)
        errors = report.at_or_above(Severity.ERROR)
        stops = blocking and bool(errors)
        if show is not None and repeat_recorded:
            show(report)
        elif show is not None and stops:
            # Whoever runs the upgrade needs the reason it stopped, seen before or not.
            show(replace(report, findings=errors, acknowledged=[]))
        if stops:
            raise LintFindingsError(len(errors), "error", "upgrade before anything ran")
    unrecorded = [s for s in scripts if s.revision not in recorded]
    if not unrecorded:
        return None
    sources = [s for found in unrecorded for s in sources_for(found) if s.upgrade is not None]
    return UpgradeGate(target, chosen, sources, show, blocking)


def _database_heads(session: Session, script: ScriptDirectory) -> tuple[str, ...]:
    """The revisions the database is at, read as the deploy runner reads them.

    One database: straight from its version table (where the app's
    configuration puts it), as the runner does a moment later, instead of a
    run of env.py just to ask. Several: each bind's, through env.py.
    """
    if several_binds(session):
        return session.database_heads(script)
    with guarded(session, script):  # a database out of reach: the same error as the run's
        return deploy_target(session).heads()


def _script(script: ScriptDirectory, revision: str) -> Script:
    found = script.get_revision(revision)
    assert isinstance(found, Script)
    return found
