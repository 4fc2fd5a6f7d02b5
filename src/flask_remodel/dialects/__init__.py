"""One home per database: what Flask-Remodel does differently on each.

:func:`dialect_for` takes a dialect name, a URL, an engine, a connection (or
anything with a ``.dialect``, such as Alembic's migration context) and gives
the :class:`DialectSupport` registered for that SQLAlchemy dialect name:

========================  =================================  =========================
dialect names             module                             support
========================  =================================  =========================
``postgresql``            :mod:`.postgresql`                 ``PostgreSQLSupport``
``mysql``, ``mariadb``    :mod:`.mysql`                      ``MySQLSupport``
``sqlite``                :mod:`.sqlite`                     ``SQLiteSupport``
anything else             :mod:`.base`                       ``DialectSupport`` (defaults)
========================  =================================  =========================

Code elsewhere asks the support for a capability (``transactional_ddl``,
``alters_by_rebuild`` ...) or an action (``open_deploy_lock``, ``backup``,
``scratch_database`` ...) instead of comparing dialect names; a test keeps
new comparisons from creeping back. Adding a database is one module and one
:func:`register` call below: see ``docs/adding-a-database.md``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import URL
from sqlalchemy.engine import Dialect
from sqlalchemy.engine import make_url

from .base import SCRATCH_PREFIX
from .base import Backup
from .base import DeployLockHandle
from .base import DialectSupport
from .base import NoLock
from .base import driver_connection
from .base import driver_error_code
from .base import run_on_driver
from .mysql import MySQLSupport
from .postgresql import PostgreSQLSupport
from .sqlite import SQLiteSupport

_REGISTERED: dict[str, DialectSupport] = {}
_UNKNOWN: dict[str, DialectSupport] = {}


def register(support: DialectSupport) -> DialectSupport:
    """Register *support* under each of its dialect names (the last registration wins)."""
    for name in support.names:
        _REGISTERED[name] = support
    return support


register(PostgreSQLSupport())
register(MySQLSupport())
register(SQLiteSupport())


def dialect_name(what: Any) -> str:
    """The SQLAlchemy dialect name of *what* (see :func:`dialect_for`)."""
    if isinstance(what, str):
        if "://" in what:
            return make_url(what).get_backend_name()
        return what.split("+", 1)[0].strip().lower()
    if isinstance(what, URL):
        return what.get_backend_name()
    if isinstance(what, Dialect):
        return str(what.name)
    dialect = getattr(what, "dialect", None)
    if dialect is not None:
        return dialect_name(dialect)
    raise TypeError(f"cannot tell the database of {what!r}")


def dialect_for(what: Any) -> DialectSupport:
    """The support for *what*'s database.

    :param what: a dialect name (``"mariadb"``, ``"postgresql+psycopg"``), a
        URL (string or :class:`~sqlalchemy.engine.URL`), a SQLAlchemy
        ``Dialect``, or anything with a ``.dialect`` (engine, connection,
        Alembic's ``MigrationContext`` or autogenerate context).
    :return: the registered support, or the defaults of :class:`DialectSupport`
        for a database no module is registered for.
    """
    name = dialect_name(what)
    found = _REGISTERED.get(name)
    if found is None:
        found = _UNKNOWN.setdefault(name, DialectSupport(name))
    return found


def registered_dialects() -> tuple[str, ...]:
    """Every registered dialect name, in registration order."""
    return tuple(_REGISTERED)


def registered_supports() -> tuple[DialectSupport, ...]:
    """Each registered support once (``mysql`` and ``mariadb`` share one)."""
    return tuple(dict.fromkeys(_REGISTERED.values()))


__all__ = [
    "SCRATCH_PREFIX",
    "Backup",
    "DeployLockHandle",
    "DialectSupport",
    "MySQLSupport",
    "NoLock",
    "PostgreSQLSupport",
    "SQLiteSupport",
    "dialect_for",
    "dialect_name",
    "driver_connection",
    "driver_error_code",
    "register",
    "registered_dialects",
    "registered_supports",
    "run_on_driver",
]
