"""``flask db lint --verify URL``: check the predictions against a real server.

PostgreSQL is described here; MariaDB/MySQL in :mod:`.verify_mysql`.

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

import re
import warnings
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from typing import Protocol

import sqlalchemy as sa
from alembic.operations import ops
from alembic.script import ScriptDirectory

from ..dialects import dialect_for
from ..dialects.postgresql import scratch_schema
from ..errors import ScratchDatabaseError
from .errors import LintUsageError
from .history import lint_directory_sources
from .model import Finding
from .model import LintReport
from .recorder import Observer
from .recorder import quiet_context
from .recorder import record
from .sqltext import SqlStatement
from .sqltext import statements_from

_MODES = {
    "ACCESS EXCLUSIVE": "AccessExclusiveLock",
    "SHARE ROW EXCLUSIVE": "ShareRowExclusiveLock",
    "SHARE UPDATE EXCLUSIVE": "ShareUpdateExclusiveLock",
    "SHARE": "ShareLock",
    "EXCLUSIVE": "ExclusiveLock",
}
_STRENGTH = ["AccessShareLock", "RowShareLock", "RowExclusiveLock", "ShareUpdateExclusiveLock",
             "ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"]
SCRATCH_PREFIX = "remodel_verify_"
"""Names of the scratch schema (PostgreSQL) or database (MariaDB/MySQL) of a verification."""
ALGORITHMS = ["INSTANT", "NOCOPY", "INPLACE", "COPY"]
"""MariaDB/MySQL ALTER algorithms, cheapest first (what the MariaDB verification reports)."""


def _rank(mode: str) -> int:
    return (_STRENGTH + ALGORITHMS).index(mode) % len(_STRENGTH + ALGORITHMS)


def predicted_mode(lock: str | None) -> str | None:
    """The PostgreSQL lock mode a finding's ``lock`` text names (``SHARE on t ...``)."""
    if not lock:
        return None
    algorithm = re.match(r"ALGORITHM=(\w+)", lock)
    if algorithm:
        return algorithm.group(1)
    for words in sorted(_MODES, key=len, reverse=True):
        if re.match(rf"{words}\b", lock):
            return _MODES[words]
    return None


@dataclass
class Observation:
    """One operation as the server ran it, next to what the linter predicted."""

    revision: str
    path: str
    line: int
    what: str
    predicted_lock: str | None = None
    predicted_rewrite: bool = False
    locks: dict[str, str] = field(default_factory=dict)
    """table -> strongest lock mode newly taken on it (tables that existed before)."""
    rewritten: list[str] = field(default_factory=list)
    note: str | None = None

    @property
    def strongest(self) -> str | None:
        if not self.locks:
            return None
        return max(self.locks.values(), key=_rank)

    @property
    def disagreement(self) -> str | None:
        """Why prediction and server differ, or None when they agree."""
        if self.note:
            return None
        if bool(self.rewritten) != self.predicted_rewrite:
            seen = f"rewrote {', '.join(self.rewritten)}" if self.rewritten else "rewrote nothing"
            said = "a rewrite" if self.predicted_rewrite else "no rewrite"
            return f"predicted {said}, the server {seen}"
        if self.predicted_lock in ALGORITHMS:
            # INSTANT and NOCOPY are both online and rebuild nothing; what matters
            # is whether writes are blocked for a copy.
            copied = "COPY" in self.locks.values()
            if (self.predicted_lock == "COPY") != copied:
                return f"predicted {self.predicted_lock}, the server took {self.strongest}"
            return None
        if self.predicted_lock and self.predicted_lock not in self.locks.values():
            return (f"predicted {self.predicted_lock}, the server took "
                    f"{self.strongest or 'no lock on an existing table'}")
        return None


@dataclass(kw_only=True)
class ObserverState:
    """What both servers' observers keep between operations."""

    measuring: bool = False
    observations: list[tuple[int, int, Observation]] = field(default_factory=list)
    pending: Observation | None = None
    existing: set[str] = field(default_factory=set)
    revision: str = ""
    path: str = ""

    def assign(self, first: int, end: int) -> None:
        """The recorded operations [first, end) came from the last ``run``."""
        if self.pending is not None:
            self.observations.append((first, end, self.pending))
            self.pending = None


@dataclass
class _Observer(ObserverState):
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
                if table not in observation.locks or _rank(mode) > _rank(
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


def _predictions(report: LintReport) -> dict[tuple[str, int], list[Finding]]:
    found: dict[tuple[str, int], list[Finding]] = {}
    for finding in [*report.findings, *report.acknowledged]:
        if finding.op_index is not None:
            found.setdefault((finding.revision, finding.op_index), []).append(finding)
    return found


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
            return _verify_postgresql(engine, script_dir, report)
        if family == "mysql":
            from .verify_mysql import verify_mysql

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


def _verify_postgresql(
    engine: sa.engine.Engine, script_dir: ScriptDirectory, report: LintReport
) -> list[Observation]:
    with engine.connect() as connection, scratch_schema(connection, SCRATCH_PREFIX) as schema:
        return run_all(script_dir, report, connection, _Observer(connection, schema))


class ServerObserver(Observer, Protocol):
    measuring: bool
    revision: str
    path: str
    existing: set[str]
    observations: list[tuple[int, int, Observation]]

    def tables(self) -> set[str]:
        """The tables in the scratch schema/database now."""


def run_all(
    script_dir: ScriptDirectory, report: LintReport, connection: sa.engine.Connection,
    observer: ServerObserver,
) -> list[Observation]:
    """Each revision in a transaction of its own, committed into the scratch schema.

    Committing between revisions matters: a table's creator holds ACCESS
    EXCLUSIVE on it until COMMIT, which would hide every later lock on it.
    """
    linted = set(report.revisions)
    predictions = _predictions(report)
    context = quiet_context(connection=connection)
    observations: list[Observation] = []
    for source in lint_directory_sources(script_dir):
        observer.measuring = source.revision in linted
        observer.revision, observer.path = source.revision, source.path
        with connection.begin():
            observer.existing = observer.tables()
            recorded = record(source, report.target, (context, None), observer=observer)
        for first, end, seen in observer.observations:
            said = [f for i in range(first, end)
                    for f in predictions.get((source.revision, i), [])]
            seen.predicted_rewrite = any(f.rewrites for f in said)
            modes = [m for m in (predicted_mode(f.lock) for f in said) if m]
            seen.predicted_lock = max(modes, key=_rank) if modes else None
            if first < len(recorded.ops):
                seen.line = recorded.ops[first].line
                seen.what = _describe(recorded.ops[first].operation)
            observations.append(seen)
        observer.observations.clear()
    return observations


def _describe(operation: Any) -> str:
    name = type(operation).__name__.replace("Op", "")
    table = getattr(operation, "table_name", None) or getattr(operation, "table", None) or ""
    return f"{name} {table}".strip()


def disagreements(observations: Iterable[Observation]) -> list[Observation]:
    return [o for o in observations if o.disagreement is not None]
