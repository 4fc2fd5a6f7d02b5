"""``flask db lint --verify URL``: check the predictions against a real server.

The revisions run in a scratch schema (PostgreSQL, :mod:`.verify_postgresql`) or
database (MariaDB/MySQL, :mod:`.verify_mysql`) that is dropped at the end; what
each operation did there is compared with what the linter said
(:mod:`.observing`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic.script import ScriptDirectory

from ..dialects import dialect_for
from ..errors import ScratchDatabaseError
from .errors import LintUsageError
from .model import LintReport
from .observing import Observation as Observation
from .observing import disagreements as disagreements
from .observing import predicted_mode as predicted_mode
from .verify_mysql import verify_mysql
from .verify_postgresql import verify_postgresql


def verify(
    script_dir: ScriptDirectory, url: str | sa.engine.URL, report: LintReport,
) -> list[Observation]:
    """Run the revisions of *report* on the server at *url* (PostgreSQL or MariaDB/MySQL)."""
    engine = sa.create_engine(url)
    name = engine.dialect.name
    # Which observer runs is lint logic per database family, like the rules'.
    family = dialect_for(engine).family
    try:
        if family == "postgresql":
            return verify_postgresql(engine, script_dir, report)
        if family == "mysql":
            return verify_mysql(engine, script_dir, report)
        raise LintUsageError(
            f"--verify works with PostgreSQL and MariaDB/MySQL, and the URL is {name}: give "
            "the URL of a scratch database on one of those (nothing is kept in it)."
        )
    except sa.exc.OperationalError as exc:
        raise LintUsageError(f"Cannot connect to the --verify database: {exc.orig}.") from exc
    except ScratchDatabaseError as exc:
        raise LintUsageError(f"Cannot connect to the --verify database: {exc.reason}.") from exc
    finally:
        engine.dispose()
