"""``upgrade``: the one entry point, for the Python API and ``flask db upgrade`` alike.

The upgrade that runs at every container start usually finds the database at
the heads already. The fast path (:mod:`.fast_path`) decides that from the
index and the version table before Alembic is imported; every other upgrade
runs through Alembic and the deploy runner (:func:`.running.run_upgrade`),
under the deploy lock, into the ledger.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..async_bridge import for_async_db
from ..deploy.report import DeployReport
from .deploy_settings import DeploySettings
from .fast_path import HEAD_TARGETS
from .fast_path import open_fast_path
from .migration_run import MigrationRun

if TYPE_CHECKING:  # they import Alembic, which a no-op upgrade does without
    from ..deploy.runner import Progress
    from ..lint import LintReport
    from ._session import PathArg
    from ._session import XArg


@for_async_db
def upgrade(
    directory: PathArg = None,
    revision: str = "head",
    sql: bool = False,
    tag: str | None = None,
    x_arg: XArg = None,
    *,
    lock_wait: float | None = None,
    phase: str | None = None,
    backup: bool = False,
    backup_dir: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
    strict: bool = False,
    show_findings: Callable[[LintReport], None] | None = None,
    repeat_recorded: bool = True,
) -> MigrationRun:
    """Upgrade the database to *revision*, under the deploy lock (see docs/deploys.md).

    With *strict*, or ``REMODEL_LINT = "error"``, the revisions to run are
    linted first and :class:`~flask_remodel.lint.LintFindingsError` is raised,
    with nothing run, when a finding is an error (as ``flask db upgrade``).

    :param show_findings: given what the linter finds in the revisions to run,
        once there is something to run (never with *sql*): ``flask db upgrade``
        prints it.
    :param repeat_recorded: False: findings recorded by ``migrate`` or
        ``flask db lint`` (which showed them) are not given to *show* again,
        unless they are errors that stop the upgrade (``flask db upgrade``
        without ``-v``).
    """
    settings = DeploySettings(lock_wait, phase, backup, backup_dir, progress)
    if not sql and revision in HEAD_TARGETS:
        fast = open_fast_path(directory)
        if fast is not None and fast.at_heads(revision):
            settings.check()  # a bad setting fails the same way with or without work
            return MigrationRun(deploy=DeployReport())
    from .running import run_upgrade  # Alembic, imported only once there is work to do

    return run_upgrade(
        directory, revision, sql, tag, x_arg, settings, strict, show_findings, repeat_recorded
    )
