"""Which runner the linter judges revisions for: Flask-Remodel's env.py, or an unknown one.

Lock timeouts with retries come from :func:`flask_remodel.environment.run_migrations`,
which only the env.py files ``flask db init`` writes call (a few lines that
delegate to it). An env.py Flask-Migrate wrote, or one edited into its own
``context.configure(...)``, connects by itself and sets no timeout. The SQL
``upgrade --sql`` prints through the thin env.py starts with the same SET
statements (without the retries). The deploy runner behind ``flask db upgrade``
also resumes a revision MariaDB/MySQL committed part of; the ``--sql`` script,
run by another tool, does not.
"""

from __future__ import annotations

import ast
from pathlib import Path

from ..lint.runner import LOCK_TIMEOUT
from ..lint.runner import RESUMES_PARTIAL
from ..lint.runner import STATEMENT_TIMEOUT
from ..lint.runner import UNKNOWN
from ..lint.runner import Runner
from ..settings import RemodelSettings

_ENVIRONMENT = "flask_remodel.environment"


def runs_remodel_environment(folder: str | Path) -> bool:
    """Whether *folder*'s env.py hands the run to ``environment.run_migrations``."""
    try:
        tree = ast.parse(Path(folder, "env.py").read_text(encoding="utf-8", errors="replace"))
    except (OSError, SyntaxError, ValueError):
        return False
    imported = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == _ENVIRONMENT
        for alias in node.names
        if alias.name == "run_migrations"
    }
    return any(
        isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id in imported)
            or (isinstance(node.func, ast.Attribute) and node.func.attr == "run_migrations"
                and ast.unparse(node.func.value) == _ENVIRONMENT)
        )
        for node in ast.walk(tree)
    )


def upgrade_runner(folder: str | Path, settings: RemodelSettings, sql: bool = False) -> Runner:
    """The runner *folder*'s revisions meet on ``flask db upgrade`` (*sql*: its ``--sql`` script).

    The script ``upgrade --sql`` writes through Flask-Remodel's env.py starts
    with the same SET statements as the real run (without its retries), so it
    provides the same limits.
    """
    if not runs_remodel_environment(folder):
        return UNKNOWN
    sets = set()
    if settings.lock_timeout > 0:
        sets.add(LOCK_TIMEOUT)
    if settings.statement_timeout > 0:
        sets.add(STATEMENT_TIMEOUT)
    if not sql:
        sets.add(RESUMES_PARTIAL)
    name = "the script 'upgrade --sql' writes" if sql else "Flask-Remodel's env.py"
    return Runner(name, frozenset(sets))
