"""What the program that runs the upgrades does on its own, so a rule need not ask for it.

A finding the way the project runs its upgrades already prevents is noise:
Flask-Remodel's own env.py sets a short lock timeout (with retries) on every
statement, so "no lock timeout is set" is false for revisions it runs. The
linter itself knows nothing of Flask or env.py files; whoever calls it says
which runner the revisions are meant for (:mod:`flask_remodel.api.linting`
finds out from the migrations folder and the app's settings). The default,
:data:`UNKNOWN`, promises nothing: plain Alembic and old Flask-Migrate env.py
files (and their ``upgrade --sql`` scripts, which set no timeout either).
"""

from __future__ import annotations

from dataclasses import dataclass

LOCK_TIMEOUT = "lock_timeout"
"""A limit on how long a statement waits for a lock (PostgreSQL ``lock_timeout``,
MariaDB/MySQL ``lock_wait_timeout``)."""
STATEMENT_TIMEOUT = "statement_timeout"
"""A limit on how long a statement runs (PostgreSQL ``statement_timeout``,
MariaDB ``max_statement_time``, MySQL ``max_execution_time``)."""


@dataclass(frozen=True)
class Runner:
    """The runner's name (for messages) and the session limits it sets before each revision."""

    name: str = "an unknown runner"
    sets: frozenset[str] = frozenset()
    """Of :data:`LOCK_TIMEOUT` and :data:`STATEMENT_TIMEOUT`."""

    def provides(self, setting: str) -> bool:
        return setting in self.sets


UNKNOWN = Runner()
