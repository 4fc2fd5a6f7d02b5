"""What the program that runs the upgrades does on its own, so a rule need not ask for it.

A finding the way the project runs its upgrades already prevents is noise:
Flask-Remodel's own env.py sets a short lock timeout (with retries) on every
statement, so "no lock timeout is set" is false for revisions it runs; and
its ``upgrade`` resumes a revision MariaDB/MySQL committed part of, so "cannot
be run again after a failure half-way" is false there too. The
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

RESUMES_PARTIAL = "resumes_partial"
"""A revision that failed after MariaDB/MySQL committed some of its statements is run
again without sending those (Flask-Remodel's ``upgrade``: :mod:`flask_remodel.deploy.resume`)."""


@dataclass(frozen=True)
class Runner:
    """The runner's name (for messages) and what it does on its own for each revision."""

    name: str = "an unknown runner"
    sets: frozenset[str] = frozenset()
    """Of :data:`LOCK_TIMEOUT`, :data:`STATEMENT_TIMEOUT` and :data:`RESUMES_PARTIAL`."""

    def provides(self, setting: str) -> bool:
        return setting in self.sets


UNKNOWN = Runner()
