"""SQLite without half-applied migrations, lost rows or ALTER errors.

* :func:`sqlite_migration_session` runs migrations in real transactions with
  foreign keys off (checked before each commit), the way SQLite's own
  documentation says a table must be rebuilt; :func:`sqlite_configure_options`
  gives the ``context.configure`` arguments that go with it.
* :func:`install_sqlite_rebuilds` makes ``op.alter_column`` and the
  constraint operations rebuild the table on SQLite, so scripts written for
  PostgreSQL or MySQL without batch mode run there too.
"""

from .errors import ForeignKeyViolationError
from .errors import SQLiteRebuildError
from .rebuild import install_sqlite_rebuilds
from .transactions import sqlite_configure_options
from .transactions import sqlite_migration_session

__all__ = [
    "ForeignKeyViolationError",
    "SQLiteRebuildError",
    "install_sqlite_rebuilds",
    "sqlite_configure_options",
    "sqlite_migration_session",
]
