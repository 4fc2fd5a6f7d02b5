"""``--verify`` on MariaDB/MySQL: which ALTER algorithm the server accepts for each operation.

MariaDB and MySQL commit every DDL statement, so nothing can be rolled back:
the revisions run in a new scratch database (``remodel_verify_<hex>``,
dropped at the end). Each statement of a linted operation is first offered
with ``ALGORITHM=INSTANT``, then ``NOCOPY, LOCK=NONE``, ``INPLACE, LOCK=NONE``,
``INPLACE, LOCK=SHARED`` and ``COPY``; the first one the server accepts is
what it would do (it refuses a cheaper algorithm it cannot honour rather than
silently doing more), and it is compared with the linter's prediction: COPY
and INPLACE rebuild the table, INSTANT and NOCOPY do not.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from alembic.operations import Operations
from alembic.operations import ops
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from ..dialects import dialect_for
from .model import LintReport
from .model import Target
from .observing import SCRATCH_PREFIX
from .observing import Observation
from .observing import ObserverState
from .observing import rank
from .observing import run_all
from .recorder import offline_context
from .sqltext import SqlStatement
from .sqltext import split_statements
from .sqltext import statements_from

_VARIANTS = [
    ("INSTANT", "ALGORITHM=INSTANT"),
    ("NOCOPY", "ALGORITHM=NOCOPY, LOCK=NONE"),
    ("INPLACE", "ALGORITHM=INPLACE, LOCK=NONE"),
    ("INPLACE", "ALGORITHM=INPLACE, LOCK=SHARED"),
    ("COPY", "ALGORITHM=COPY, LOCK=SHARED"),
]
_ALTER = re.compile(r"^\s*ALTER\s+TABLE\s+`?(\w+)`?", re.I)
_INDEX = re.compile(
    r"^\s*(?:CREATE\s+(?:UNIQUE\s+)?INDEX|DROP\s+INDEX)\s+\S+\s+ON\s+`?(\w+)`?", re.I
)


def _with(statement: str, clause: str) -> str:
    if _ALTER.match(statement):
        return f"{statement}, {clause}"
    return f"{statement} {clause.replace(',', '')}"  # CREATE/DROP INDEX take space-separated


def _refused(exc: Exception) -> bool:
    """The server turned the algorithm down (as opposed to the statement failing)."""
    code = getattr(getattr(exc, "orig", None), "args", [None])[0]
    return code in (1845, 1846, 4092) or "ALGORITHM" in str(exc).upper()


@dataclass
class _MySQLObserver(ObserverState):
    connection: sa.engine.Connection
    database: str
    renderer: tuple[MigrationContext, io.StringIO]

    def tables(self) -> set[str]:
        rows = self.connection.exec_driver_sql(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            (self.database,),
        )
        return {str(r[0]) for r in rows}

    def _sql(self, operation: Any) -> list[str] | None:
        """The statements *operation* sends, rendered offline for MariaDB/MySQL."""
        if isinstance(operation, ops.ExecuteSQLOp) and isinstance(operation.sqltext, str):
            return split_statements(operation.sqltext)
        context, buffer = self.renderer
        buffer.seek(0)
        buffer.truncate()
        try:
            Operations(context).invoke(operation)
        except Exception:  # MySQL's ALTER COLUMN needs existing_type offline
            return None
        return split_statements(buffer.getvalue())

    def _run_sql(self, statement: str) -> tuple[str | None, str | None]:
        """(cheapest accepted algorithm or None for other statements, error)."""
        if not (_ALTER.match(statement) or _INDEX.match(statement)):
            try:
                self.connection.exec_driver_sql(statement)
            except Exception as exc:
                return None, _first_line(exc)
            return None, None
        for name, clause in _VARIANTS:
            try:
                self.connection.exec_driver_sql(_with(statement, clause))
            except Exception as exc:
                if _refused(exc):
                    continue
                return None, _first_line(exc)
            return name, None
        return None, "no algorithm accepted"

    def run(self, operation: Any, call: Callable[[], Any], in_autocommit: bool) -> Any:
        control = isinstance(operation, ops.ExecuteSQLOp) and isinstance(
            operation.sqltext, str
        ) and any(isinstance(p.operation, SqlStatement)
                  and p.operation.kind == "transaction_control"
                  for p in statements_from(operation.sqltext))
        statements = None if control else self._sql(operation)
        if not self.measuring or isinstance(operation, ops.CreateTableOp) or not statements:
            self.pending = None
            if self.measuring and (control or statements is None):
                note = "not run: transaction control" if control else \
                    "not rendered offline (pass existing_type=), algorithm not observed"
                self.pending = Observation(self.revision, self.path, 0,
                                           type(operation).__name__, note=note)
            if control:
                return None
            try:
                return call()
            except Exception:  # the scratch database lacks what the operation needs
                return None
        observation = Observation(self.revision, self.path, 0, type(operation).__name__)
        for statement in statements:
            mode, error = self._run_sql(statement)
            if error is not None:
                observation.note = f"did not run here: {error}"
                break
            match = _ALTER.match(statement) or _INDEX.match(statement)
            table = match.group(1) if match else None
            if mode is None or table is None or table not in self.existing:
                continue
            if table not in observation.locks or rank(mode) > rank(observation.locks[table]):
                observation.locks[table] = mode
            if mode in ("INPLACE", "COPY") and table not in observation.rewritten:
                observation.rewritten.append(table)
        self.pending = observation
        return None



def _first_line(exc: Exception) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def verify_mysql(
    engine: sa.engine.Engine, script_dir: ScriptDirectory, report: LintReport
) -> list[Observation]:
    with dialect_for(engine).scratch_database(engine.url, SCRATCH_PREFIX) as url:
        scratch = sa.create_engine(url)
        try:
            with scratch.connect() as connection:
                observer = _MySQLObserver(connection, str(url.database),
                                          offline_context(Target(report.target.name)))
                return run_all(script_dir, report, connection, observer)
        finally:
            scratch.dispose()
