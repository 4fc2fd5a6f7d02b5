"""``flask db test`` as a Python function: scratch database, runner, every check."""

from __future__ import annotations

from sqlalchemy.engine import URL

from ..api._session import open_session
from .checks import CheckReport
from .checks import Report
from .checks import run_checks
from .runner import connected_runner
from .scratch import scratch_database


def check_migrations(
    directory: str | None = None,
    url: str | URL | None = None,
    expected_heads: int = 1,
    seed: int = 0,
    report: Report | None = None,
) -> CheckReport:
    """Run every built-in check on a scratch database; needs an app context.

    :param url: the server to create the scratch database on (default: the
        app's own database URL; only its server and credentials are used).
    :param report: called with each result as soon as it is known.
    :returns: the results; faults are in ``.failures``, nothing is raised for them.
    """
    session = open_session(directory)  # configuration errors before any database work
    session.script_directory()
    base = url if url is not None else session.state.model_source().engine(None).url
    with scratch_database(base) as scratch, connected_runner(scratch, directory, seed) as runner:
        return run_checks(runner, expected_heads, report)
