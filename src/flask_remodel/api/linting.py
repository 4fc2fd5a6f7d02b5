"""``flask db lint`` and the lint steps of ``migrate`` and ``upgrade``.

The linter itself (:mod:`flask_remodel.lint`) knows nothing of Flask; this
module supplies what it needs from the app: the migrations folder, the target
database (from the configured engine) and which revisions are pending.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence

from alembic.script import Script
from alembic.script import ScriptDirectory

from ..async_bridge import for_async_db
from ..dialects import dialect_for
from ..errors import DatabaseUnreachableError
from ..extension import current_settings
from ..lint import Finding
from ..lint import LintFindingsError
from ..lint import LintReport
from ..lint import LintUsageError
from ..lint import RuleSelection
from ..lint import Severity
from ..lint import Target
from ..lint import lint_script_directory
from ..lint.history import ordered_scripts
from ..lint.history import select_range
from ..lint.verify import verify as verify_on_server
from ._runner import upgrade_runner
from ._session import PathArg
from ._session import Session
from ._session import XArg
from ._session import guarded
from ._session import open_session


def lint_mode() -> str:
    """``REMODEL_LINT``: ``warn`` (default), ``error`` (stop the upgrade) or ``off``."""
    return current_settings().lint


def configured_target(session: Session, connect: bool = True) -> Target:
    """The configured database as a target; its server version when it can be reached."""
    engine = session.state.model_source().engine(None)
    name = engine.dialect.name
    support = dialect_for(engine)
    if not support.linted:
        raise LintUsageError(
            f"The configured database is '{name}', which the linter does not know: "
            "pass --target postgresql|mariadb|mysql|sqlite."
        )
    if not connect:
        return Target(name)
    try:
        with engine.connect() as connection:
            version = support.server_version(connection)
            name = support.server_name(connection)
    except Exception:  # static mode: no server, the URL alone says which database
        return Target(name)
    return Target(name, version)


def _target(session: Session, target: str | Target | None, connect: bool = True) -> Target:
    if isinstance(target, Target):
        return target
    if target is None:
        return configured_target(session, connect)
    try:
        return Target.parse(target)
    except ValueError as exc:
        raise LintUsageError(f"{exc}.") from exc


def _pending(session: Session, script: ScriptDirectory, upto: str | None = None) -> list[str]:
    heads = session.database_heads(script)
    with guarded(session, script):
        applied: set[str] = set()
        for head in heads:
            applied.update(
                s.revision for s in script.iterate_revisions(head, "base") if isinstance(s, Script)
            )
        wanted: set[str] | None = None
        if upto is not None and upto not in ("head", "heads"):
            try:
                wanted = {
                    s.revision
                    for s in script.iterate_revisions(upto, "base")
                    if isinstance(s, Script)
                }
            except Exception:  # relative targets (+1) and the like: lint everything pending
                wanted = None
        return [
            s.revision
            for s in ordered_scripts(script)
            if s.revision not in applied and (wanted is None or s.revision in wanted)
        ]


@for_async_db
def lint(
    directory: PathArg = None,
    revision_range: str | None = None,
    all: bool = False,
    target: str | Target | None = None,
    baseline: str | None = None,
    enable: Sequence[str] = (),
    disable: Sequence[str] = (),
    verify: str | None = None,
    sql: bool = False,
) -> LintReport:
    """Lint revisions: *revision_range*, or every one with *all*, else those not yet applied.

    With *sql* the revisions are judged as ``upgrade --sql`` output that another
    tool runs: nothing Flask-Remodel's env.py does for them (lock timeouts) counts.

    With *all* or a range and a *target* no database connection is made. With
    *verify* (a PostgreSQL or MariaDB/MySQL URL) the revisions are also run in
    a scratch schema/database there and ``report.verification`` says where the
    server disagrees.
    """
    session = open_session(directory)
    script = session.script_directory()
    chosen = _target(session, target)
    revisions: Iterable[str] | None
    if revision_range is not None:
        revisions = select_range(script, revision_range)
    elif all:
        revisions = None
    else:
        try:
            revisions = _pending(session, script)
        except DatabaseUnreachableError as exc:
            raise DatabaseUnreachableError(
                exc.url, f"{exc.reason} (to lint without a database, pass --all or a revision "
                "range, and --target)",
            ) from exc
    report = _run(script, chosen, revisions, baseline, enable, disable, sql)
    if verify is not None:
        report.verification = verify_on_server(script, verify, report)
    return report


def _run(
    script: ScriptDirectory,
    target: Target,
    revisions: Iterable[str] | None,
    baseline: str | None,
    enable: Sequence[str] = (),
    disable: Sequence[str] = (),
    sql: bool = False,
) -> LintReport:
    settings = current_settings()
    baseline = baseline or settings.lint_baseline
    # The app's standing choices first; the command line adds to them.
    enable = (*settings.lint_enable, *enable)
    disable = (*settings.lint_disable, *disable)
    try:
        selection = RuleSelection(tuple(enable), tuple(disable))
        selection.rules_for(target)
    except KeyError as exc:
        raise LintUsageError(
            f"Unknown rule {exc}: rules are named by id (RM101) or slug "
            "(index-not-concurrent); see docs/rules/."
        ) from exc
    runner = upgrade_runner(script.dir, settings, sql)
    return lint_script_directory(
        script, target, revisions, baseline=baseline, selection=selection, runner=runner
    )


@for_async_db
def lint_new_script(
    script: Script, directory: PathArg = None, x_arg: XArg = None
) -> LintReport | None:
    """Lint a revision ``migrate`` just wrote (``None`` when ``REMODEL_LINT="off"``)."""
    if lint_mode() == "off":
        return None
    session = open_session(directory, x_arg)
    script_dir = session.script_directory()
    return _run(script_dir, _target(session, None), [script.revision], None)


@for_async_db
def lint_pending(
    directory: PathArg = None, revision: str = "head", strict: bool = False, x_arg: XArg = None
) -> LintReport | None:
    """Lint what ``upgrade`` to *revision* would run (``None`` when switched off)."""
    if lint_mode() == "off" and not strict:
        return None
    session = open_session(directory, x_arg)
    script = session.script_directory()
    pending = _pending(session, script, revision)
    if not pending:
        # Nothing will run: a no-op upgrade (every container start) stays cheap.
        return None
    return _run(script, _target(session, None), pending, None)


def lint_before_upgrade(
    directory: PathArg = None,
    revision: str = "head",
    strict: bool = False,
    x_arg: XArg = None,
    show: Callable[[LintReport], None] | None = None,
) -> LintReport | None:
    """The lint gate of every upgrade, ``flask db upgrade`` and :func:`~.running.upgrade` alike.

    Lints what the upgrade to *revision* would run, hands the report to
    *show* (the CLI prints it), and raises :class:`~flask_remodel.lint.LintFindingsError`
    before anything runs when a finding is an error and *strict* is set or
    ``REMODEL_LINT = "error"``. Without *show* and without either, nothing is
    linted: there would be nothing to print and nothing to stop.
    """
    blocking = strict or lint_mode() == "error"
    if show is None and not blocking:
        return None
    report = lint_pending(directory, revision, strict, x_arg)
    if report is None:
        return None
    if show is not None:
        show(report)
    errors = report.at_or_above(Severity.ERROR)
    if blocking and errors:
        raise LintFindingsError(len(errors), "error", "upgrade before anything ran")
    return report


def findings_by_revision(
    session: Session, script: ScriptDirectory, revisions: Sequence[str]
) -> dict[str, list[Finding]]:
    """What the linter finds in each of *revisions* (none when ``REMODEL_LINT="off"``).

    For ``upgrade --plan``, which shows them beside the operations.
    """
    if lint_mode() == "off" or not revisions:
        return {}
    report = _run(script, _target(session, None), list(revisions), None)
    found: dict[str, list[Finding]] = {}
    for finding in report.findings:
        found.setdefault(finding.revision, []).append(finding)
    return found
