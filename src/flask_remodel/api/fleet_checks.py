"""``validate``, ``upgrade --plan`` and ``test`` across ``REMODEL_FLEET``.

Each is the single-database command run on every target in turn
(:func:`~flask_remodel.fleet.one.on_target`), one row per target; none changes
a target. A target that cannot be read (server down, driver missing) gets an
``error`` row and the others go on. ``fleet_test`` runs the migration tests
once per kind of server, not once per target: the tests run on a scratch
database made beside a URL, and every target on one server (or every SQLite
file) would get the same scratch database. See docs/many-databases.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from sqlalchemy.engine import URL
from sqlalchemy.engine import make_url

from ..deploy.plan import PlannedRevision
from ..fleet.one import first_line
from ..fleet.one import on_target
from ..fleet.one import version_rows
from ..fleet.targets import FleetTarget
from ..urls import shown_url
from ._session import PathArg
from ._session import XArg
from .fleet import _check_app
from .fleet import _default_url
from .fleet import _wanted
from .fleet import fleet_targets


@dataclass
class FleetTargetValidation:
    """One row of ``validate --fleet``: the target's applied revisions whose files changed."""

    name: str
    where: str
    problems: list[str] = field(default_factory=list)
    error: str | None = None
    """Why the target could not be read (then ``problems`` is empty)."""

    @property
    def ok(self) -> bool:
        return not self.problems and self.error is None

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "where": self.where, "ok": self.ok,
                "problems": list(self.problems), "error": self.error}


def fleet_validate(
    directory: PathArg = None, targets: Iterable[str] | None = None
) -> list[FleetTargetValidation]:
    """Each target's problems with applied revisions' files (edited or missing); changes nothing."""
    from .deploying import validate

    chosen = fleet_targets(targets)
    _check_app(directory)
    default_url = _default_url()
    rows = []
    for target in chosen:
        row = FleetTargetValidation(target.name, target.where(default_url))
        try:
            with on_target(target, default_url):
                row.problems = validate(directory)
        except Exception as exc:  # unreachable server, missing driver ...: that target's row
            row.error = first_line(exc)
        rows.append(row)
    return rows


@dataclass
class FleetTargetPlan:
    """One row of ``upgrade --plan --fleet``: the revisions the upgrade would run there."""

    name: str
    where: str
    heads: tuple[str, ...] = ()
    """The target's revisions now (empty: none yet)."""
    revisions: list[PlannedRevision] = field(default_factory=list)
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "where": self.where, "heads": list(self.heads),
                "revisions": [each.as_dict() for each in self.revisions], "error": self.error}


def fleet_plan(
    directory: PathArg = None,
    revision: str = "head",
    *,
    targets: Iterable[str] | None = None,
    x_arg: XArg = None,
    phase: str | None = None,
) -> list[FleetTargetPlan]:
    """What ``fleet_upgrade(revision)`` would run on each target; changes nothing.

    A schema target whose schema does not exist yet is planned from base (the
    upgrade creates the schema) without being created.
    """
    from .deploying import plan

    chosen = fleet_targets(targets)
    _check_app(directory)
    _wanted(directory, revision)  # the same refusals as the upgrade (relative steps, unknown ids)
    default_url = _default_url()
    rows = []
    for target in chosen:
        row = FleetTargetPlan(target.name, target.where(default_url))
        try:
            with on_target(target, default_url) as engine:
                row.heads = version_rows(engine)
                row.revisions = plan(directory, revision, False, x_arg, phase)
        except Exception as exc:  # that target's row; the others are still planned
            row.error = first_line(exc)
        rows.append(row)
    return rows


@dataclass
class FleetServerTest:
    """One run of the migration tests, on a scratch database beside *where*."""

    where: str
    """The server (no database, password masked), or ``sqlite``."""
    targets: list[str]
    """The targets on that server, which this run stands for."""
    passed: int = 0
    failed: int = 0
    irreversible: int = 0
    skipped: int = 0
    not_reached: int = 0
    failures: list[str] = field(default_factory=list)
    """Each failed check, one line."""
    error: str | None = None
    """Why the tests could not run there (no scratch database could be made ...)."""

    @property
    def ok(self) -> bool:
        return not self.failures and self.error is None

    def as_dict(self) -> dict[str, Any]:
        return {"where": self.where, "targets": list(self.targets), "ok": self.ok,
                "passed": self.passed, "failed": self.failed,
                "irreversible": self.irreversible, "skipped": self.skipped,
                "not_reached": self.not_reached, "failures": list(self.failures),
                "error": self.error}


def server_of(url: URL) -> URL:
    """Where *url*'s scratch databases are made: its server and credentials, no database.

    Every SQLite target shares one (``sqlite://``): the scratch file is made in a
    temporary folder whatever the URL names.
    """
    return URL.create(  # not url.set(database=None): set() leaves a None argument unchanged
        url.drivername, url.username, url.password, url.host, url.port, None, url.query
    )


def fleet_test(
    directory: PathArg = None,
    targets: Iterable[str] | None = None,
    expected_heads: int = 1,
    seed: int = 0,
) -> list[FleetServerTest]:
    """``flask db test`` once per server the targets are on; the targets themselves untouched.

    The migration tests run on a scratch database made beside a URL, whose
    own database is never written to; two targets on one server (two
    databases, or two PostgreSQL schemas) would get the same scratch database,
    so each server is tested once, with the first of its targets' URLs.
    """
    from ..testing import checks
    from ..testing.suite import check_migrations

    chosen = fleet_targets(targets)
    _check_app(directory)
    default_url = _default_url()
    groups: dict[str, tuple[URL, list[FleetTarget]]] = {}
    for target in chosen:
        url = make_url(target.url) if target.url is not None else default_url
        key = server_of(url).render_as_string(hide_password=False)
        groups.setdefault(key, (url, []))[1].append(target)
    runs = []
    for url, members in groups.values():
        run = FleetServerTest(
            shown_url(server_of(url)), [t.name for t in members]
        )
        try:
            found = check_migrations(
                str(directory) if directory is not None else None, url, expected_heads, seed
            )
        except Exception as exc:  # that server's run; the others still run
            run.error = first_line(exc)
        else:
            run.passed, run.failed = found.count(checks.PASSED), found.count(checks.FAILED)
            run.irreversible = found.count(checks.IRREVERSIBLE)
            run.skipped, run.not_reached = found.count(checks.SKIPPED), found.not_run
            run.failures = [checks.describe(each) for each in found.failures]
        runs.append(run)
    return runs

