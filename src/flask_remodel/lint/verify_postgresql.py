"""``flask db lint --verify`` on PostgreSQL: the locks and rewrites each operation causes.

Everything happens in a new schema of its own (``remodel_verify_<hex>``,
dropped at the end, so the database at *URL* keeps nothing and its own tables
are not touched): the revisions before the linted ones build the schema there,
each in a transaction, then each operation of the linted revisions runs in a
savepoint while the locks it took (``pg_locks`` for this backend) and the
tables it rewrote (a changed ``relfilenode``) are read. The tables are empty, so a rewrite costs
nothing here, and the lock modes are those the statement asks for whatever
the size. Statements that cannot run in a transaction (CONCURRENTLY in an
``autocommit_block()``) run without CONCURRENTLY so the schema stays right,
and their locks are not compared.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from alembic.operations import ops
from alembic.script import ScriptDirectory

from ..dialects.postgresql import scratch_schema
from .model import LintReport
from .observing import SCRATCH_PREFIX
from .observing import Observation
from .observing import ObserverState
from .observing import rank
from .observing import run_all
from .sqltext import SqlStatement
from .sqltext import statements_from


@dataclass
class PostgresObserver(ObserverState):
    connection: sa.engine.Connection
    schema: str

    def _rows(self, sql: str) -> list[Any]:
        return list(self.connection.exec_driver_sql(sql, (self.schema,)).fetchall())

    # Tables are followed by OID, so a renamed table is still the same table.

    def _locks(self) -> set[tuple[str, str]]:
        return {(str(r[0]), r[1]) for r in self._rows(
            "SELECT c.oid, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE l.pid = pg_backend_pid() "
            "AND l.granted AND n.nspname = %s AND c.relkind IN ('r', 'p')"
        )}

    def _files(self) -> dict[str, tuple[str, int]]:
        """oid -> (name, relfilenode) of every table in the scratch schema."""
        return {str(r[0]): (r[1], r[2]) for r in self._rows(
            "SELECT c.oid, c.relname, c.relfilenode FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind IN ('r', 'p')"
        )}

    def run(self, operation: Any, call: Callable[[], Any], in_autocommit: bool) -> Any:
        note = None
        if isinstance(operation, ops.ExecuteSQLOp) and isinstance(operation.sqltext, str) and any(
            isinstance(p.operation, SqlStatement) and p.operation.kind == "transaction_control"
            for p in statements_from(operation.sqltext)
        ):
            # A COMMIT would end the verification transaction and keep the scratch schema.
            self.pending = Observation(self.revision, self.path, 0, "ExecuteSQL",
                                       note="not run: transaction control") \
                if self.measuring else None
            return None
        if getattr(operation, "kw", {}).get("postgresql_concurrently"):
            operation.kw = {k: v for k, v in operation.kw.items() if k != "postgresql_concurrently"}
            note = "ran without CONCURRENTLY (not possible in the verification transaction)"
        if not self.measuring:
            self.pending = None
            return self._guarded(call)[0]
        observation = Observation(self.revision, self.path, 0, type(operation).__name__,
                                  note=note)
        before_locks, before_files = self._locks(), self._files()
        result, error = self._guarded(call)
        if error is not None:
            observation.note = f"did not run here: {error}"
        else:
            for oid, mode in self._locks() - before_locks:
                if oid not in self.existing or oid not in before_files:
                    continue
                table = before_files[oid][0]
                if table not in observation.locks or rank(mode) > rank(
                    observation.locks[table]
                ):
                    observation.locks[table] = mode
            after = self._files()
            observation.rewritten = sorted(
                name for oid, (name, node) in before_files.items()
                if oid in self.existing and after.get(oid, (name, node))[1] != node
            )
        self.pending = observation
        return result

    def _guarded(self, call: Callable[[], Any]) -> tuple[Any, str | None]:
        self.connection.exec_driver_sql("SAVEPOINT remodel_verify")
        try:
            with warnings.catch_warnings():
                # SQLAlchemy's advice on rendering (e.g. Computed columns) is not news here.
                warnings.simplefilter("ignore")
                result = call()
        except Exception as exc:  # the scratch schema lacks what the operation needs
            self.connection.exec_driver_sql("ROLLBACK TO SAVEPOINT remodel_verify")
            text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
            return None, text[0] if text else type(exc).__name__
        self.connection.exec_driver_sql("RELEASE SAVEPOINT remodel_verify")
        return result, None

    def tables(self) -> set[str]:
        return set(self._files())


def verify_postgresql(
    engine: sa.engine.Engine, script_dir: ScriptDirectory, report: LintReport
) -> list[Observation]:
    with engine.connect() as connection, scratch_schema(connection, SCRATCH_PREFIX) as schema:
        return run_all(script_dir, report, connection, PostgresObserver(connection, schema))
