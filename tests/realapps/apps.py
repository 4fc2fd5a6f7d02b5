"""The real applications whose published migration histories the leg runs.

Each history is the ``migrations/`` folder inside the application's own PyPI
release, pinned to one version, run from that release's installed package in
a venv of its own (``requirements/<name>.txt``; see ``harness.py``). Nothing
of the applications is kept in this repository.

Why these two (docs/real-apps.md has the survey of the others):

* ihatemoney 7.2.1: 13 revisions written for SQLite, PostgreSQL and
  MariaDB/MySQL alike; revisions that import the app (``ihatemoney.models``)
  and skip themselves on SQLite.
* FitTrackee 0.8.13: 41 revisions, PostgreSQL only (enum types, UUID
  columns, data fixes through ``op.execute`` in 23 of them); a release from
  before the history needed PostGIS, on SQLAlchemy 1.4 and Flask-SQLAlchemy
  3.0. Its revisions import nothing of the app; one reads
  ``current_app.config["UPLOAD_FOLDER"]``.

Both env.py files come from Flask-Migrate's 2.x template: they pass their own
``process_revision_directives`` *and* ``**configure_args`` to
``context.configure``, and call ``logging.config.fileConfig``.

``expected`` pins what Flask-Remodel does at each step on each database (a
step not named there succeeds). Flask-Migrate must do the same wherever it
has the command, except for the entries of ``known_differences``: each is a
Flask-Remodel bug found by this leg, and the test fails once it is fixed so
that the entry gets removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

OK = "ok"
FAILED = "failed"

REQUIREMENTS = Path(__file__).resolve().parent / "requirements"


@dataclass(frozen=True)
class AppHistory:
    name: str
    version: str
    package: str  # import name; its migrations/ folder is the history
    backends: tuple[str, ...]
    revisions: int  # what `flask db history` lists: the whole history was read
    pg_driver: str = "psycopg"  # SQLAlchemy 1.4 has no psycopg 3 dialect
    expected: dict[str, dict[str, str]] = field(default_factory=dict)
    known_differences: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}"

    @property
    def requirements(self) -> Path:
        return REQUIREMENTS / f"{self.name}.txt"

    def expected_outcome(self, backend: str, step: str) -> str:
        return self.expected.get(backend, {}).get(step, OK)


# Why each step fails, in one place (the reasons also appear in docs/real-apps.md):
#  check:          the models drifted from the history (NOT NULL on billowers' keys,
#                  server defaults and enum types never migrated).
#  upgrade again:  on PostgreSQL the downgrade of 2dcb0c0048dc leaves the enum type
#                  loggingmode behind, so upgrading a second time cannot create it.
#  lint --all:     real findings (a column type change, an enum narrowed, a column dropped).
#  test:           b78f8a8bdb16 hashes every project's password: a NULL password
#                  (allowed at that revision) breaks it, and on PostgreSQL a hash
#                  longer than the VARCHAR(128) column of that time does too.
IHATEMONEY = AppHistory(
    name="ihatemoney",
    version="7.2.1",
    package="ihatemoney",
    backends=("sqlite", "postgresql", "mariadb"),
    revisions=13,
    expected={
        "sqlite": {"check": FAILED, "lint --all": FAILED, "test": FAILED},
        "postgresql": {
            "check": FAILED,
            "upgrade again": FAILED,
            "lint --all": FAILED,
            "test": FAILED,
        },
        "mariadb": {"check": FAILED, "lint --all": FAILED, "test": FAILED},
    },
)

#  check:           passes with both tools (an enum whose values the database lists in
#                   another order, HA having been added by ALTER TYPE ... ADD VALUE, is no
#                   difference).
#  downgrade base:  5a42db64e872 drops a unique constraint it never named
#                   (op.drop_constraint(None, 'sports', type_='unique')).
#  lint --all:      real findings.
#  test:            the downgrade of caf0e0dc621a leaves the enum type record_types behind.
FITTRACKEE = AppHistory(
    name="fittrackee",
    version="0.8.13",
    package="fittrackee",
    backends=("postgresql",),
    revisions=41,
    pg_driver="psycopg2",
    expected={
        "postgresql": {
            "downgrade base": FAILED,
            "lint --all": FAILED,
            "test": FAILED,
        },
    },
)

HISTORIES: tuple[AppHistory, ...] = (IHATEMONEY, FITTRACKEE)

# Linted only (``test_lint_replay.py``, ``bench/lint_real_histories.py``): 110 revisions
# that reflect the schema, open ORM sessions and read alembic.context, the large history
# the offline replay is measured on. Its whole leg is over the time budget
# (docs/real-apps.md).
PRIVACYIDEA = AppHistory(
    name="privacyidea",
    version="3.14",
    package="privacyidea",
    backends=("sqlite", "postgresql", "mariadb"),
    revisions=110,
)

LINT_HISTORIES: tuple[AppHistory, ...] = (IHATEMONEY, FITTRACKEE, PRIVACYIDEA)
"""The histories whose ``lint --all`` must read (nearly) every revision to the end."""
