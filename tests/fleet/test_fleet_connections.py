"""Connections a fleet target costs: a few per target however long its history, reused
within the target (each new one is a server session, and with PyMySQL a TLS context
too), all closed when the target is done, and a schema target's ``search_path`` kept
on a reused connection."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import Pool

import flask_remodel
from flask_remodel.fleet.targets import FleetTarget
from flask_remodel.fleet.targets import target_engine

from .conftest import Fleet

# What pooling saves is a server session per connection (and, with PyMySQL, a TLS
# context). A SQLite file has neither, and SQLAlchemy 1.4 opens it without a pool.
pytestmark = pytest.mark.backends("postgresql", "mariadb")

#: The most connections one target's upgrade may open: its migration connection, its
#: deploy lock's, and (MariaDB) the lock-wait watchdog's. Not one per revision.
PER_TARGET = 3


@contextmanager
def counting_connects() -> Iterator[list[int]]:
    """Counts the DBAPI connections every engine of this process opens in the block."""
    made = [0]

    def on_connect(dbapi_connection: Any, record: Any) -> None:
        made[0] += 1

    event.listen(Pool, "connect", on_connect)
    try:
        yield made
    finally:
        event.remove(Pool, "connect", on_connect)


def _sessions(fleet: Fleet) -> int:
    """Server sessions on the targets' databases other than the counting one (0 on SQLite)."""
    if fleet.backend == "postgresql":
        sql = ("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
               "AND pid <> pg_backend_pid()")
        urls = [fleet.url]
    elif fleet.backend == "mariadb":
        sql = "SELECT count(*) FROM information_schema.PROCESSLIST WHERE DB = DATABASE() " \
              "AND ID <> CONNECTION_ID()"
        urls = [place.url for place in fleet.places.values()]
    else:
        return 0
    total = 0
    for url in urls:
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as connection:
                total += int(connection.execute(sa.text(sql)).scalar() or 0)
        finally:
            engine.dispose()
    return total


def test_a_target_opens_a_few_connections_whatever_its_history(fleet_factory) -> None:
    fleet: Fleet = fleet_factory(("alpha", "beta"))
    fleet.add_tables(8)
    fleet.made.app.config["REMODEL_FLEET"] = fleet.declared
    before = _sessions(fleet)

    with fleet.made.app.app_context(), counting_connects() as made:
        report = flask_remodel.fleet_upgrade(str(fleet.root / "migrations"), parallel=1)

    assert report.ok, [t.error for t in report.targets]
    assert [t.applied for t in report.targets] == [8, 8]
    assert 0 < made[0] <= PER_TARGET * len(fleet.places), made[0]
    # Every connection a target opened was closed with it: none is left on the server.
    assert _sessions(fleet) <= before
    for place in fleet.places.values():
        assert place.version() == ["r8"]


def test_a_reused_connection_keeps_the_schema_target_pinned(
    fleet_factory, backend: str
) -> None:
    fleet: Fleet = fleet_factory(("alpha",))
    place = fleet.places["alpha"]
    # As declared: a schema in the app's database on PostgreSQL, else a URL.
    target = FleetTarget("alpha", url=None if place.schema else place.url, schema=place.schema)
    engine = target_engine(target, make_url(fleet.url))
    try:
        with counting_connects() as made:
            for _ in range(3):
                with engine.connect() as connection:
                    if backend == "postgresql":
                        # A failed transaction's rollback must not undo the pinned search_path.
                        transaction = connection.begin()
                        connection.execute(sa.text("SELECT 1"))
                        transaction.rollback()
                        assert connection.execute(sa.text("SHOW search_path")).scalar() == (
                            "tenant_alpha"
                        )
                    else:
                        assert connection.execute(sa.text("SELECT 1")).scalar() == 1
        assert made[0] == 1  # one session, used three times
    finally:
        engine.dispose()
