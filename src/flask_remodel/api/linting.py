"""``flask db lint`` and the lint steps of ``migrate`` and ``upgrade``.

The linter itself (:mod:`flask_remodel.lint`) knows nothing of Flask; this
module supplies what it needs from the app: the migrations folder, the target
database (from the configured engine) and which revisions are pending.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Sequence

from alembic.script import Script
from alembic.script import ScriptDirectory

from ..async_bridge import for_async_db
from ..dialects import dialect_for
from ..errors import DatabaseUnreachableError
from ..extension import current_settings
from ..lint import Finding
from ..lint import LintReport
from ..lint import LintUsageError
from ..lint import RuleSelection
from ..lint import Target
from ..lint import lint_script_directory
from ..lint.history import ordered_scripts
from ..lint.history import select_range
from ..lint.records import LintRecords
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


def _pending(
    session: Session, script: ScriptDirectory, upto: str | None = None,
    heads: tuple[str, ...] | None = None,
) -> list[str]:
    if heads is None:
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
                "range, and --target)", exc.is_file,
            ) from exc
    report = _run(script, chosen, revisions, baseline, enable, disable, sql)
    if verify is not None:
        report.verification = verify_on_server(script, verify, report)
    return report


def selection(
    target: Target, enable: Sequence[str] = (), disable: Sequence[str] = ()
) -> RuleSelection:
    """The rules to run: the app's standing choices first, the command line's added."""
    settings = current_settings()
    chosen = RuleSelection(
        (*settings.lint_enable, *enable), (*settings.lint_disable, *disable)
    )
    try:
        chosen.rules_for(target)
    except KeyError as exc:
        raise LintUsageError(
            f"Unknown rule {exc}: rules are named by id (RM101) or slug "
            "(index-not-concurrent); see docs/rules/."
        ) from exc
    return chosen


def recorded_findings(
    script: ScriptDirectory, target: Target, chosen: RuleSelection
) -> LintRecords:
    """Where lint runs leave each revision's findings for ``upgrade`` (:mod:`..lint.records`)."""
    return LintRecords(script.dir, (rule.id for rule in chosen.rules_for(target)))


def _run(
    script: ScriptDirectory,
    target: Target,
    revisions: Iterable[str] | None,
    baseline: str | None,
    enable: Sequence[str] = (),
    disable: Sequence[str] = (),
    sql: bool = False,
) -> LintReport:
    chosen = selection(target, enable, disable)
    settings = current_settings()
    baseline = baseline or settings.lint_baseline
    runner = upgrade_runner(script.dir, settings, sql)
    report = lint_script_directory(
        script, target, revisions, baseline=baseline, selection=chosen, runner=runner
    )
    paths = {}
    for revision in report.revisions:
        found = script.get_revision(revision)
        if isinstance(found, Script):
            paths[revision] = found.path
    # upgrade takes these instead of running each revision's code once more.
    recorded_findings(script, target, chosen).save(report, paths)
    return report


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
