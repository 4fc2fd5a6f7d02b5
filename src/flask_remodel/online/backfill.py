"""``op.backfill``: update a big table in batches, each committed on its own.

One ``UPDATE`` over millions of rows holds its row locks (and, on MariaDB, a
growing undo log) until it commits, so every write to those rows waits for
the whole statement, and a failure throws all of it away. Here the table is
walked by primary key, ``batch_size`` rows at a time, each batch its own
transaction (Alembic's ``autocommit_block`` on PostgreSQL and MariaDB/MySQL),
with ``pause`` seconds between batches for replicas and other writers to
catch up. A line of progress is logged after each batch (logger
``flask_remodel.online``, printed by ``flask db upgrade``).

It is resumable by its predicate: only rows still matching ``where`` are
updated, so when ``set_`` makes ``where`` false (``where="email_lower IS
NULL"``) a run that failed half-way continues from where it stopped. On
SQLite, whose writes lock the whole database anyway, the batches run inside
the revision's transaction.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from alembic.operations import Operations
from alembic.operations import ops
from sqlalchemy.exc import DBAPIError

from ..deploy.committed import PROGRESS_OPTION
from ..dialects import dialect_for
from .errors import BackfillError
from .errors import LockTimeoutError
from .statements import under_lock_policy

log = logging.getLogger("flask_remodel.online")


@Operations.register_operation("backfill")
class BackfillOp(ops.MigrateOperation):
    """Update the rows of *table_name* matching *where* in batches (see the module doc).

    :param set_: column name -> new value: a string is SQL (``"lower(email)"``),
        anything else (numbers, ``None``, SQLAlchemy expressions) a value.
    :param where: SQL that selects the rows still to update; ``None`` for all.
    :param batch_size: rows per batch (per transaction), at most.
    :param pause: seconds to sleep between batches.
    :param batch_time: seconds one batch's UPDATE should take at most: it holds
        its rows' locks that long, so a write to one of them waits that long.
        A slower batch halves the next one; a batch faster than half of it
        doubles the next (up to *batch_size*). ``None`` keeps *batch_size*.
    :param key: the column to walk in order; by default the single-column primary key.
    """

    def __init__(
        self, table_name: str, set_: Mapping[str, Any], *, where: str | None = None,
        batch_size: int = 1000, pause: float = 0.0, key: str | None = None,
        schema: str | None = None, batch_time: float | None = 0.05,
    ) -> None:
        if not set_:
            raise ValueError("backfill needs at least one column in set_")
        if batch_size < 1:
            raise ValueError(f"batch_size must be 1 or more, not {batch_size}")
        self.table_name = table_name
        self.set_ = dict(set_)
        self.where = where
        self.batch_size = batch_size
        self.pause = pause
        self.key = key
        self.schema = schema
        self.batch_time = batch_time

    @classmethod
    def backfill(
        cls, operations: Operations, table_name: str, set_: Mapping[str, Any], *,
        where: str | None = None, batch_size: int = 1000, pause: float = 0.0,
        key: str | None = None, schema: str | None = None, batch_time: float | None = 0.05,
    ) -> int:
        """Update *table_name* in batches; return the number of rows updated."""
        found: int = operations.invoke(
            cls(table_name, set_, where=where, batch_size=batch_size, pause=pause, key=key,
                schema=schema, batch_time=batch_time)
        )
        return found


def _key_column(operations: Operations, op: BackfillOp) -> str:
    if op.key:
        return op.key
    primary = sa.inspect(operations.get_bind()).get_pk_constraint(op.table_name, op.schema)
    columns = primary.get("constrained_columns") or []
    if len(columns) != 1:
        raise BackfillError(
            op.table_name, 0,
            "the table has no single-column primary key to walk in batches; pass key='<a "
            "unique, indexed column>'",
            kept=False,
        )
    return str(columns[0])


def _value(value: Any) -> Any:
    if isinstance(value, str):
        return sa.text(value)
    if value is None:
        return sa.null()
    if isinstance(value, sa.sql.ClauseElement):
        return value
    return sa.literal(value)  # typed, so --sql can write it out


def _values(op: BackfillOp) -> dict[str, Any]:
    return {name: _value(value) for name, value in op.set_.items()}


class _Batches:
    """The batch walk over one table."""

    def __init__(self, operations: Operations, op: BackfillOp, committed: bool) -> None:
        self.operations = operations
        self.committed = committed
        self.op = op
        self.key_name = _key_column(operations, op)
        self.table = sa.table(
            op.table_name, sa.column(self.key_name), *(sa.column(c) for c in op.set_),
            schema=op.schema,
        )
        self.key = self.table.c[self.key_name]
        self.predicate = sa.text(op.where) if op.where else sa.true()
        self.updated = 0
        self.size = op.batch_size

    def remaining(self) -> int:
        query = sa.select(sa.func.count()).select_from(self.table).where(self.predicate)
        return int(self.operations.get_bind().execute(query).scalar() or 0)

    def next_keys(self, after: Any) -> list[Any]:
        query = sa.select(self.key).where(self.predicate)
        if after is not None:
            query = query.where(self.key > after)
        query = query.order_by(self.key).limit(self.size)
        return [row[0] for row in self.operations.get_bind().execute(query)]

    def update(self, first: Any, last: Any) -> int:
        # The predicate is checked again here: a row changed since the key
        # lookup is left alone if it no longer needs the update. Every batch
        # sends the same SQL, so the deploy ledger keeps them as one entry,
        # with how far they got (the option) instead of one entry per batch.
        statement = (
            sa.update(self.table)
            .where(self.key >= first, self.key <= last, self.predicate)
            .values(_values(self.op))
            .execution_options(**{PROGRESS_OPTION: f"up to {self.key_name}={last}"})
        )
        bind = self.operations.get_bind()
        result = under_lock_policy(lambda: bind.execute(statement), statement)
        return int(result.rowcount or 0)

    def _resize(self, took: float) -> None:
        target = self.op.batch_time
        if target is None:
            return
        if took > target:
            self.size = max(1, self.size // 2)
        elif took < target / 2:
            self.size = min(self.op.batch_size, self.size * 2)

    def run(self) -> int:
        total = self.remaining()
        log.info("Backfill %s: %s row(s) to update", self.op.table_name, f"{total:,}")
        after = None
        batch = 0
        while True:
            keys = self.next_keys(after)
            if not keys:
                break
            started = time.monotonic()
            try:
                self.updated += self.update(keys[0], keys[-1])
            except (DBAPIError, LockTimeoutError) as exc:
                reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
                raise BackfillError(
                    self.op.table_name, self.updated, reason, kept=self.committed
                ) from exc
            self._resize(time.monotonic() - started)
            batch += 1
            after = keys[-1]
            done = min(100, round(100 * self.updated / total)) if total else 100
            log.info(
                "Backfill %s: [%3d%%] %s of %s row(s), batch %d, up to %s=%s",
                self.op.table_name, done, f"{self.updated:,}", f"{total:,}", batch,
                self.key_name, after,
            )
            if self.op.pause:
                time.sleep(self.op.pause)
        log.info("Backfill %s: done, %s row(s) updated", self.op.table_name, f"{self.updated:,}")
        return self.updated


@Operations.implementation_for(BackfillOp)
def _backfill(operations: Operations, op: BackfillOp) -> int:
    context = operations.get_context()
    if context.as_sql:
        # No database to walk: one statement, for the DBA to run (or batch) by hand.
        table = sa.table(op.table_name, *(sa.column(c) for c in op.set_), schema=op.schema)
        statement = sa.update(table).values(_values(op))
        if op.where:
            statement = statement.where(sa.text(op.where))
        operations.execute(statement)
        return 0
    if dialect_for(operations.migration_context).database_write_lock:
        return _Batches(operations, op, committed=False).run()
    stopped: BaseException | None = None
    try:
        with context.autocommit_block():
            try:
                return _Batches(operations, op, committed=True).run()
            except BaseException as exc:
                stopped = exc
                raise
    except BaseException as exc:
        # Leaving the block commits on the connection; after a lost connection or
        # a Ctrl-C mid-batch that fails too ("Can't reconnect until invalid
        # transaction is rolled back"), and the error to report is the first.
        if stopped is not None and exc is not stopped:
            raise stopped from None
        raise
