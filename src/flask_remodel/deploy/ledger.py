"""The ledger: what ran on this database, when, from which file, and how it ended.

A write is its own short transaction on a connection of its own by default:
the row saying a revision *started* must survive the revision failing or the
process being killed. The one exception is the runner's, where DDL is
transactional: it closes a revision's row and opens the next one's on the
migration connection, inside the revision's transaction, so they commit (or
roll back) with the revision itself instead of costing two more commits per
revision (see :mod:`flask_remodel.deploy.runner`). Where DDL commits by
itself, the runner closes one revision's row and opens the next one's in one
short transaction (:meth:`Ledger.finish_and_start`).
"""

from __future__ import annotations

import functools
import getpass
import os
import socket
from collections.abc import Collection
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from datetime import timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from ..dialects import dialect_for
from ..dialects.base import driver_connection
from ..dialects.base import run_on_driver
from .committed import as_record
from .committed import from_record
from .tables import LEDGER_TABLE
from .tables import ledger_table

# Outcomes a row can have.
RUNNING = "running"  # started; the process still runs, or died (see status)
APPLIED = "applied"
ROLLED_BACK = "rolled_back"  # downgraded, or resolved as undone
FAILED = "failed"  # failed, and the database rolled all of it back
PARTIAL = "partial"  # failed after some statements were committed (MySQL/MariaDB)
INTERRUPTED = "interrupted"  # the process died; found by the next run
STAMPED = "stamped"
ADOPTED = "adopted"  # applied before the ledger existed
RETIRED = "retired"  # its file was removed on purpose ('resolve --retired'): no longer checked

NEEDS_RESOLVE = frozenset({PARTIAL})


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


@functools.cache
def _host_and_user() -> tuple[str, str]:
    try:
        user = getpass.getuser()
    except Exception:  # no login name (containers without a passwd entry)
        user = str(os.getuid()) if hasattr(os, "getuid") else "?"
    return socket.gethostname(), user


def _origin() -> dict[str, Any]:
    """Who writes a row. The pid is read each time: a forked worker is another process."""
    host, user = _host_and_user()
    return {"host": host, "pid": os.getpid(), "username": user}


@dataclass(frozen=True)
class Entry:
    """One ledger row."""

    id: int
    revision: str
    direction: str
    outcome: str
    checksum: str | None
    started_at: datetime
    finished_at: datetime | None
    duration_ms: int | None
    host: str | None
    pid: int | None
    username: str | None
    failed_operation: str | None
    error: str | None
    executed: tuple[str, ...]

    @classmethod
    def from_row(cls, row: Any) -> Entry:
        executed = from_record(row["executed"])
        return cls(
            id=row["id"], revision=row["revision"], direction=row["direction"],
            outcome=row["outcome"], checksum=row["checksum"], started_at=row["started_at"],
            finished_at=row["finished_at"], duration_ms=row["duration_ms"], host=row["host"],
            pid=row["pid"], username=row["username"],
            failed_operation=row["failed_operation"], error=row["error"], executed=executed,
        )

    def as_dict(self) -> dict[str, Any]:
        data = {k: getattr(self, k) for k in self.__dataclass_fields__}
        for key in ("started_at", "finished_at"):
            if data[key] is not None:
                data[key] = data[key].isoformat(timespec="milliseconds") + "Z"
        data["executed"] = list(self.executed)
        return data


class Ledger:
    """The ``remodel_ledger`` table of one database."""

    def __init__(self, engine: Engine, schema: str | None = None) -> None:
        self.engine = engine
        self.table = ledger_table(schema)
        # Built once: a runner writes two rows per revision, and SQLAlchemy's
        # compiled cache then serves every write from these two statements.
        self._insert = self.table.insert()
        self._update = self.table.update().where(
            self.table.c.id == sa.bindparam("entry_id_", type_=sa.Integer)
        )
        self._guarded: dict[str, tuple[Any, Any]] = {}
        self._on_driver: Any = None  # _update compiled for record_executed_on

    def exists(self) -> bool:
        with self.engine.connect() as connection:
            return bool(
                sa.inspect(connection).has_table(LEDGER_TABLE, schema=self.table.schema)
            )

    def create(self) -> bool:
        """Create the table if missing (under the deploy lock); True if it was created."""
        if self.exists():
            return False
        with self.engine.begin() as connection:
            self.table.create(connection)
        return True

    def _write(
        self, statement: Any, values: dict[str, Any], connection: Connection | None = None
    ) -> Any:
        if connection is not None:  # part of the caller's transaction
            return connection.execute(statement, values)
        with self.engine.begin() as own:
            return own.execute(statement, values)

    def start(
        self, revision: str, direction: str, checksum: str | None, outcome: str = RUNNING,
        connection: Connection | None = None,
    ) -> int:
        """A new row; *connection*: written in that connection's open transaction."""
        result = self._write(
            self._insert,
            {
                "revision": revision, "direction": direction, "outcome": outcome,
                "checksum": checksum, "started_at": _now(), **_origin(),
            },
            connection,
        )
        return int(result.inserted_primary_key[0])

    def record_executed(self, entry_id: int, statements: Iterable[str]) -> None:
        """Replace the row's record of committed statements (bounded: see :mod:`.committed`)."""
        self._write(self._update, {"entry_id_": entry_id, "executed": as_record(statements)})

    def record_executed_on(
        self, connection: Connection, entry_id: int, statements: Iterable[str]
    ) -> None:
        """:meth:`record_executed` on *connection*'s driver connection, past SQLAlchemy.

        For the runner where DDL commits by itself (MariaDB/MySQL): written on
        the migration connection just before a statement that commits, the
        record is committed by that statement's own implicit commit (or at
        once, in autocommit), so it is on disk before the statement runs and
        costs one round trip instead of a transaction on another connection.
        Past SQLAlchemy, because it is sent from inside the cursor events of
        the statement about to run.
        """
        if self._on_driver is None:
            self._on_driver = self._update.compile(
                dialect=connection.dialect, column_keys=["executed"]
            )
        compiled = self._on_driver
        values = compiled.construct_params(
            {"entry_id_": entry_id, "executed": as_record(statements)}
        )
        params: Any = (
            tuple(values[name] for name in compiled.positiontup)
            if compiled.positional else values
        )
        run_on_driver(driver_connection(connection), str(compiled), params)

    def finish(
        self,
        entry_id: int,
        outcome: str,
        *,
        seconds: float | None = None,
        error: str | None = None,
        failed_operation: str | None = None,
        executed: Iterable[str] | None = None,
        connection: Connection | None = None,
    ) -> None:
        values: dict[str, Any] = {"entry_id_": entry_id, "outcome": outcome, "finished_at": _now()}
        if seconds is not None:
            values["duration_ms"] = round(seconds * 1000)
        if error is not None:
            values["error"] = error[:2000]
        if failed_operation is not None:
            values["failed_operation"] = failed_operation[:2000]
        if executed is not None:
            values["executed"] = as_record(executed)
        self._write(self._update, values, connection)

    def finish_while(
        self,
        guard: sa.TextClause,
        entry_id: int,
        outcome: str,
        seconds: float,
        connection: Connection,
        following: tuple[str, str, str | None] | None = None,
        executed: Iterable[str] | None = None,
    ) -> tuple[bool, int | None]:
        """Close row *entry_id*, and open the *following* (revision, direction, checksum)
        one's, on *connection* (in its transaction), writing nothing unless *guard* holds.

        For the runner at the end of a revision. Where ``writes_in_with``
        (PostgreSQL), one statement: ``WITH closed AS (UPDATE ... RETURNING)
        INSERT ... SELECT ... FROM closed``. Elsewhere (MariaDB/MySQL) two: the
        UPDATE's matched-row count answers *guard* (SQLAlchemy's MySQL drivers
        count matched rows, not changed ones), and the next row is written only
        if it held. *executed*: the closed row's record. Returns whether the
        guard held, and the new row's id.
        """
        if executed is None and dialect_for(connection).writes_in_with:
            return self._finish_in_one_statement(
                guard, entry_id, outcome, seconds, connection, following
            )
        c = self.table.c
        changes: dict[str, Any] = {
            "outcome": outcome, "finished_at": _now(), "duration_ms": round(seconds * 1000),
        }
        if executed is not None:
            changes["executed"] = as_record(executed)
        closing = self.table.update().where(c.id == entry_id, guard).values(**changes)
        if connection.execute(closing).rowcount != 1:
            return False, None
        if following is None:
            return True, None
        revision, direction, checksum = following
        return True, self.start(revision, direction, checksum, connection=connection)

    def _finish_in_one_statement(
        self, guard: sa.TextClause, entry_id: int, outcome: str, seconds: float,
        connection: Connection, following: tuple[str, str, str | None] | None,
    ) -> tuple[bool, int | None]:
        values: dict[str, Any] = {
            "entry_id_": entry_id, "outcome_": outcome, "finished_at_": _now(),
            "duration_ms_": round(seconds * 1000),
        }
        closing, opening = self._guarded_writes(guard)
        if following is None:
            return connection.execute(closing, values).first() is not None, None
        revision, direction, checksum = following
        opened = {
            "revision": revision, "direction": direction, "outcome": RUNNING,
            "checksum": checksum, "started_at": _now(), **_origin(),
        }
        values.update({f"new_{name}": value for name, value in opened.items()})
        row = connection.execute(opening, values).first()
        return (row is not None, int(row[0]) if row is not None else None)

    def _guarded_writes(self, guard: sa.TextClause) -> tuple[Any, Any]:
        """:meth:`finish_while`'s two statements, built once per guard (once a run)."""
        key = str(guard)
        if key not in self._guarded:
            c = self.table.c
            closing = (
                self.table.update()
                .where(c.id == sa.bindparam("entry_id_", type_=sa.Integer), guard)
                .values(
                    outcome=sa.bindparam("outcome_", type_=c.outcome.type),
                    finished_at=sa.bindparam("finished_at_", type_=c.finished_at.type),
                    duration_ms=sa.bindparam("duration_ms_", type_=c.duration_ms.type),
                )
                .returning(c.id)
            )
            names = ["revision", "direction", "outcome", "checksum", "started_at",
                     *_origin()]
            opening = self.table.insert().from_select(
                names,
                sa.select(*(
                    sa.bindparam(f"new_{name}", type_=c[name].type) for name in names
                )).select_from(closing.cte("closed")),
            ).returning(c.id)
            self._guarded[key] = (closing, opening)
        return self._guarded[key]

    def finish_and_start(
        self, entry_id: int, outcome: str, seconds: float, revision: str, direction: str,
        checksum: str | None, executed: Iterable[str] | None = None,
    ) -> int:
        """Close row *entry_id* and open the next revision's row, in one short transaction.

        For the runner between two revisions where DDL commits by itself: the
        first revision is committed, the next has not begun, so both facts are
        true at once and one commit can carry them (a process killed before
        it leaves the first row ``running`` with its revision in the version
        table, which :mod:`.died` concludes as applied, as before). *executed*:
        the first row's record, when the runner left its last change to this commit.
        """
        with self.engine.begin() as connection:
            self.finish(
                entry_id, outcome, seconds=seconds, executed=executed, connection=connection
            )
            return self.start(revision, direction, checksum, connection=connection)

    def record(self, revision: str, direction: str, outcome: str, checksum: str | None) -> None:
        """A row that starts and ends at once (stamp, resolve, adoption)."""
        entry_id = self.start(revision, direction, checksum, outcome)
        self.finish(entry_id, outcome, seconds=0.0)

    def _rows(self, query: Any) -> list[Entry]:
        """The rows *query* selects, oldest first (none when the table does not exist yet)."""
        try:
            with self.engine.connect() as connection:
                rows = connection.execute(query.order_by(self.table.c.id)).mappings().all()
        except DBAPIError:
            if self.exists():
                raise
            return []
        return [Entry.from_row(row) for row in rows]

    def entries(self) -> list[Entry]:
        """Every row, oldest first (none when the table does not exist yet)."""
        return self._rows(sa.select(self.table))

    def latest(self, outcomes: Collection[str] | None = None) -> dict[str, Entry]:
        """The last row of each revision; with *outcomes*, only those whose last row has one.

        Chosen by the database: the ledger keeps every run of every revision, so
        reading it all before each deploy would grow with every deploy.
        """
        newest = sa.select(sa.func.max(self.table.c.id)).group_by(self.table.c.revision)
        query = sa.select(self.table).where(self.table.c.id.in_(newest.scalar_subquery()))
        if outcomes is not None:
            query = query.where(self.table.c.outcome.in_(sorted(outcomes)))
        return {entry.revision: entry for entry in self._rows(query)}
