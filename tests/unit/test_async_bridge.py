"""Synchronous code on async engines: the bridge every command of an async app runs in."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_remodel.async_bridge import in_bridge
from flask_remodel.async_bridge import in_foreign_loop
from flask_remodel.async_bridge import is_async_db
from flask_remodel.async_bridge import on_bridge_loop
from flask_remodel.async_bridge import run_bridged
from flask_remodel.async_bridge import unpooled
from flask_remodel.sources import AlchemicalSource
from flask_remodel.sources import model_source

pytestmark = pytest.mark.needs_latest  # greenlet and aiosqlite: the test group only


def _async_engine(tmp_path: Path) -> Any:
    from sqlalchemy.ext.asyncio import create_async_engine

    return create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'bridge.db'}")


def test_sync_engine_works_inside_and_an_env_py_may_start_its_own_loop(tmp_path: Path) -> None:
    engine = unpooled(_async_engine(tmp_path))

    def command() -> list[int]:
        assert in_bridge()
        found = []
        with engine.sync_engine.connect() as connection:
            found.append(connection.execute(sa.text("SELECT 1")).scalar_one())

        async def env_py() -> int:
            async with engine.connect() as connection:
                value: int = await connection.run_sync(
                    lambda sync: sync.execute(sa.text("SELECT 2")).scalar_one()
                )
                return value

        # The 4.0+ aioflask env.py (no DeprecationWarning: a loop is set), then 3.1's.
        found.append(asyncio.get_event_loop().run_until_complete(env_py()))
        found.append(asyncio.run(env_py()))
        with engine.sync_engine.connect() as connection:  # after asyncio.run's loop is gone
            found.append(connection.execute(sa.text("SELECT 3")).scalar_one())
        return found

    assert run_bridged(command) == [1, 2, 2, 3]
    assert not in_bridge()


def test_old_multidb_env_py_finds_sync_connection_by_its_old_name(tmp_path: Path) -> None:
    engine = unpooled(_async_engine(tmp_path))

    async def env_py() -> bool:
        connection = await engine.connect().start()
        try:
            sync = connection._sync_connection()  # type: ignore[attr-defined]
            return bool(sync is connection.sync_connection)
        finally:
            await connection.close()

    assert run_bridged(lambda: asyncio.run(env_py()))


def test_errors_of_awaited_calls_surface_in_the_command(tmp_path: Path) -> None:
    engine = unpooled(_async_engine(tmp_path))

    def command() -> None:
        with engine.sync_engine.connect() as connection:
            connection.execute(sa.text("SELECT * FROM no_such_table"))

    with pytest.raises(sa.exc.OperationalError, match="no_such_table"):
        run_bridged(command)


def test_an_env_py_own_loop_is_foreign_the_bridges_is_not() -> None:
    """The deploy lock's connection may be used in the bridge's loop, not in a new one."""

    async def probe() -> bool:
        return in_foreign_loop()

    def command() -> tuple[bool, bool, bool]:
        outside = in_foreign_loop()
        # Flask-Migrate 4.x aioflask env.py: the thread's current loop (the bridge's).
        same = asyncio.get_event_loop().run_until_complete(probe())
        # Flask-Migrate 3.1 aioflask env.py: a loop of its own.
        own = asyncio.run(probe())
        return outside, same, own

    assert run_bridged(command) == (False, False, True)
    assert not in_foreign_loop()
    assert asyncio.run(probe())  # no bridge at all: any running loop is foreign


def test_an_env_py_own_loop_reaches_the_bridges_connections_through_its_loop(
    tmp_path: Path,
) -> None:
    """The deploy lock's check from inside ``asyncio.run`` (Flask-Migrate 3.1's aioflask
    env.py): its connection's awaits run on the bridge's loop, in a thread of its own."""
    from sqlalchemy.util import await_only

    engine = unpooled(_async_engine(tmp_path))

    async def loop_of_the_await() -> asyncio.AbstractEventLoop:
        return asyncio.get_running_loop()

    def command() -> tuple[bool, bool, int]:
        bridge_loop = asyncio.get_event_loop()
        with engine.sync_engine.connect() as lock_connection:  # opened in the bridge's loop

            def check() -> tuple[asyncio.AbstractEventLoop, int]:
                value = lock_connection.execute(sa.text("SELECT 7")).scalar_one()
                return await_only(loop_of_the_await()), value

            async def env_py() -> tuple[bool, bool, int]:
                seen, value = on_bridge_loop(check)
                with pytest.raises(sa.exc.OperationalError, match="no_such_table"):
                    on_bridge_loop(
                        lambda: lock_connection.execute(sa.text("SELECT * FROM no_such_table"))
                    )
                return seen is bridge_loop, seen is asyncio.get_running_loop(), value

            return asyncio.run(env_py())

    assert run_bridged(command) == (True, False, 7)
    assert on_bridge_loop(lambda: 5) == 5  # outside any loop: simply called


def test_refuses_inside_a_running_loop() -> None:
    async def main() -> None:
        run_bridged(lambda: None)

    with pytest.raises(RuntimeError, match="inside a running event loop"):
        asyncio.run(main())


class _OwnAlchemical:
    """Shaped like Alchemical, from a module that is not alchemical's (an app's subclass)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.binds = None
        self.engines: dict[str | None, Any] | None = None
        self.metadatas = {None: sa.MetaData()}

    def get_engine(self, bind: str | None = None) -> Any:
        if self.engines is None:
            self.engines = {None: sa.create_engine(self.url)}
        return self.engines.get(bind)

    def bind_names(self) -> list[str]:
        return []

    def is_async(self) -> bool:
        return False


def test_alchemical_is_recognised_by_its_shape(tmp_path: Path) -> None:
    db = _OwnAlchemical(f"sqlite:///{tmp_path / 'own.db'}")
    source = model_source(db, Flask("own"))
    assert isinstance(source, AlchemicalSource)
    assert not is_async_db(db)
    assert source.bind_keys() == [None]
    assert source.engine(None) is db.get_engine()
    assert source.metadata(None) is db.metadatas[None]
    source.engine(None).dispose()
