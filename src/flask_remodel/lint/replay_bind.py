"""What ``op.get_bind()`` gives a revision while the linter replays it offline.

Offline, Alembic's bind is a mock connection that only echoes SQL, so a
revision that read the dialect, ran a query and looked at the result,
reflected the schema or opened an ORM session stopped there, and the rest
of it went unchecked (RM002). The bind here is a real SQLAlchemy
``Connection``, for the target's dialect and version, on a stand-in DBAPI
connection that runs nothing: it answers as the database the replay has
built so far would, on a fresh install (no rows in any table):

* ``dialect.name``, ``dialect.server_version_info``, ``engine.url``;
* every query returns no rows, except what a database answers even then:
  one aggregate over a table (``SELECT count(*) ...`` is one row, 0) and a
  sequence's next value (which the ORM fetches to insert a row);
* ``sa.inspect(bind)`` reflects the replayed schema (:mod:`.replay_reflection`),
  where the replay knows it exactly;
* ``orm.Session(bind=bind)`` works as on that database: queries find nothing,
  and what ``add``/``flush``/``commit`` write is executed like any statement.

Each statement is handed to the recorder, which reads it like ``op.execute``
text (a DML statement is a data change, RM504; DDL is judged as DDL; DDL
from a ``Table``, ``table.create(bind)``, as the Alembic operation it
stands for). What cannot be answered without the database (its catalog,
server variables, a sequence list) raises :exc:`NotKnownOffline`: that
revision stops there, and says so (RM002).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic.operations import ops as alembic_ops
from sqlalchemy.engine import make_url

from .._alembic import result_column_count
from .model import Target
from .replay_reflection import NotKnownOffline
from .replay_reflection import SchemaReflection
from .schema import Schema

Ran = Callable[[str, Any], None]
"""Receives each executed statement: its SQL text, and the Alembic operation it stands for
(or None)."""

# Statements that read what only the live database knows: its catalog and its settings.
_CATALOG = re.compile(
    r"\b(?:information_schema|pg_catalog|pg_class|pg_namespace|pg_attribute|pg_index"
    r"|pg_constraint|pg_type|pg_enum|pg_indexes|pg_tables|pg_sequences|sqlite_master"
    r"|sqlite_schema|mysql\.\w+|performance_schema)\b"
    r"|@@\w+|\bversion\s*\(\s*\)"
    r"|^\s*(?:SHOW|DESCRIBE|DESC|EXPLAIN)\b"
    r"|^\s*PRAGMA\s+[\w.]+\s*(?:\(|$)",  # PRAGMA name(...) / bare PRAGMA name reads
    re.I,
)
# What a database answers with one row even when every table is empty.
_AGGREGATE = re.compile(
    r"^\s*SELECT\s+(?P<function>count|max|min|sum|avg)\s*\((?:[^()]|\([^()]*\))*\)"
    r"(?:\s+AS\s+\S+)?\s+FROM\b(?!.*\b(?:GROUP\s+BY|UNION|LIMIT|OFFSET)\b)",
    re.I | re.S,
)
_NEXT_VALUE = re.compile(r"\bnextval\s*\(|\bNEXT\s+VALUE\s+FOR\b", re.I)
_RETURNS_ROWS = re.compile(r"^\s*(?:\(\s*)*(?:SELECT|WITH|VALUES)\b|\bRETURNING\b", re.I)


class _Cursor:
    """A PEP 249 cursor that records each statement and answers as an empty database."""

    arraysize = 1

    def __init__(self, connection: _Connection, ids: Callable[[], int]) -> None:
        self.connection = connection
        self._ids = ids
        self._rows: list[tuple[Any, ...]] = []
        self.description: list[tuple[Any, ...]] | None = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.result_columns = 0
        """How many columns the statement about to run selects (set by the dialect)."""

    def _describe(self, count: int) -> None:
        self.description = [(f"c{i}", None, None, None, None, None, None) for i in range(count)]

    def execute(self, statement: str, parameters: Any = None) -> None:
        if _CATALOG.search(statement):
            raise NotKnownOffline(
                f"'{' '.join(statement.split())[:80]}' reads the live database's catalog or "
                "settings, which an offline replay does not have"
            )
        self._rows, self.description, self.rowcount = [], None, 0
        self.lastrowid = self._ids()  # what an auto-increment key gets, if this inserts
        if _NEXT_VALUE.search(statement):
            self._rows = [(self._ids(),)]
            self._describe(1)
        elif aggregate := _AGGREGATE.match(statement):
            self._rows = [(0 if aggregate["function"].lower() == "count" else None,)]
            self._describe(max(self.result_columns, 1))
        elif _RETURNS_ROWS.search(statement):
            self._describe(self.result_columns)

    def executemany(self, statement: str, seq_of_parameters: Sequence[Any]) -> None:
        for parameters in seq_of_parameters:
            self.execute(statement, parameters)

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._rows.pop(0) if self._rows else None

    def fetchmany(self, size: int | None = None) -> list[tuple[Any, ...]]:
        return self.fetchall()

    def fetchall(self) -> list[tuple[Any, ...]]:
        rows, self._rows = self._rows, []
        return rows

    def close(self) -> None:
        return None


class _Connection:
    """The PEP 249 connection under the replay's ``Connection``: nothing to commit."""

    def __init__(self) -> None:
        self._ids = itertools.count(1).__next__
        self.notices: list[str] = []  # psycopg2's dialect logs the server's notices from here

    def cursor(self) -> _Cursor:
        return _Cursor(self, self._ids)

    def commit(self) -> None:
        return None

    def rollback(self) -> None:
        return None

    def close(self) -> None:
        return None


class _StandInDBAPI:
    """The DBAPI module the dialect names in errors; its exceptions are never raised."""

    paramstyle = "named"
    apilevel = "2.0"
    threadsafety = 1

    class Warning(Exception):
        pass

    class Error(Exception):
        pass

    class InterfaceError(Error):
        pass

    class DatabaseError(Error):
        pass

    class DataError(DatabaseError):
        pass

    class OperationalError(DatabaseError):
        pass

    class IntegrityError(DatabaseError):
        pass

    class InternalError(DatabaseError):
        pass

    class ProgrammingError(DatabaseError):
        pass

    class NotSupportedError(DatabaseError):
        pass


_DDL_OPERATIONS: tuple[tuple[type[Any], Callable[[Any], Any]], ...] = (
    (sa.schema.CreateTable, lambda ddl: alembic_ops.CreateTableOp.from_table(ddl.element)),
    (sa.schema.DropTable, lambda ddl: alembic_ops.DropTableOp.from_table(ddl.element)),
    (sa.schema.CreateIndex, lambda ddl: alembic_ops.CreateIndexOp.from_index(ddl.element)),
    (sa.schema.DropIndex, lambda ddl: alembic_ops.DropIndexOp.from_index(ddl.element)),
)


def _operation_for(context: Any) -> Any:
    """The Alembic operation a ``Table``'s DDL (``table.create(bind)``) stands for, if any."""
    if not getattr(context, "isddl", False):
        return None
    element = getattr(getattr(context, "compiled", None), "statement", None)
    for ddl, operation in _DDL_OPERATIONS:
        if isinstance(element, ddl):
            return operation(element)
    return None


class _ReplayDialect(SchemaReflection):
    """Mixed in before the target's dialect class: runs statements on the stand-in cursor."""

    replay_ran: Ran

    def do_execute(self, cursor: Any, statement: str, parameters: Any, context: Any = None) -> None:
        self._run(cursor, statement, context)
        cursor.execute(statement, parameters)

    def do_execute_no_params(self, cursor: Any, statement: str, context: Any = None) -> None:
        self._run(cursor, statement, context)
        cursor.execute(statement)

    def do_executemany(
        self, cursor: Any, statement: str, parameters: Any, context: Any = None
    ) -> None:
        # The driver's own executemany (psycopg2's execute_batch) needs the driver.
        self._run(cursor, statement, context)
        cursor.executemany(statement, parameters)

    def _run(self, cursor: Any, statement: str, context: Any) -> None:
        cursor.result_columns = result_column_count(getattr(context, "compiled", None))
        operation = None if _NEXT_VALUE.search(statement) else _operation_for(context)
        self.replay_ran(statement, operation)


def replay_connection(
    mock_dialect: Any, target: Target, schema: Callable[[], Schema], version_table: str, ran: Ran
) -> sa.engine.Connection:
    """A connection for *target* (a dialect of *mock_dialect*'s class) that runs nothing.

    *schema* gives the replayed schema as it stands at the moment it is called;
    *ran* gets each statement executed on the connection.
    """
    base = type(mock_dialect)
    # The target's own dialect compiles as it would (its caching along with it).
    attributes = {"supports_statement_cache": True}
    dialect_class = type(f"Replay{base.__name__}", (_ReplayDialect, base), attributes)
    dialect = dialect_class()
    dialect.replay_ran = ran
    dialect.replay_schema = schema
    dialect.replay_version_table = version_table
    # Set after construction: the driver's dialect reads its module's features on creation.
    dialect.dbapi = _StandInDBAPI
    if target.version is not None:
        dialect.server_version_info = target.version
    # Inserted rows take their keys from lastrowid or a sequence, never RETURNING:
    # the stand-in has no row to return.
    dialect.insert_returning = False
    dialect.insert_executemany_returning = False
    dialect.use_insertmanyvalues = False
    dialect.implicit_returning = False  # SQLAlchemy 1.4's name for it
    standin = _Connection()
    engine = sa.engine.Engine(
        sa.pool.StaticPool(lambda: standin),  # type: ignore[arg-type]
        dialect, make_url(f"{target.name}://")
    )
    return engine.connect()
