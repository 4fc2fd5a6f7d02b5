"""Flask-Remodel's synchronous code on an app whose database engines are async.

An async ``db`` (Alchemical's ``alchemical.aio.Alchemical``) gives SQLAlchemy
``AsyncEngine`` objects. Flask-Remodel reads and writes the database through
plain ``Engine`` and ``Connection`` objects (its env.py, the deploy lock, the
ledger, the no-op upgrade shortcut...), so it uses ``AsyncEngine.sync_engine``:
the same engine seen synchronously. Its driver (aiosqlite, asyncpg) still
awaits, which SQLAlchemy only allows inside a greenlet started for the
purpose: every ``await`` switches to the greenlet's parent, which runs it.

:func:`run_bridged` runs a whole command in such a greenlet, and its parent
runs each ``await`` on an event loop of its own, one at a time. The loop is
never running while the command's code runs, which is what the env.py files
of Flask-Migrate's ``aioflask`` templates need: they start a loop themselves,
with ``asyncio.run(...)`` (3.1) or ``asyncio.get_event_loop().run_until_complete(...)``
(4.0 and later), and both refuse to run inside a running loop. The bridge's
loop is the thread's current event loop meanwhile, so that
``asyncio.get_event_loop()`` returns it, without the DeprecationWarning that
Python 3.12 gives when there is none (and the RuntimeError of Python 3.14).

An async driver's connection belongs to the event loop that opened it, and an
env.py may open a new loop on every run (``asyncio.run``). So the engines
Flask-Remodel uses for an async ``db`` (:func:`unpooled`) keep no connection
once it is released: no connection outlives the loop that opened it.

The ``flask db`` commands run bridged (:class:`~flask_remodel.cli.group.DbGroup`),
and so do the Python API's functions called on such an app (:func:`for_async_db`),
as Flask-Migrate's did: their env.py ran its own loop.

The ``aioflask-multidb`` env.py files of every release reach the connection
under an ``AsyncConnection`` with ``_sync_connection()``, which SQLAlchemy 2.0
removed (Alchemical's async class needs 2.0): the connections of
:func:`unpooled` engines have it back.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING
from typing import Any
from typing import ParamSpec
from typing import TypeVar

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

_T = TypeVar("_T")
_P = ParamSpec("_P")


def is_async_db(db: Any) -> bool:
    """Whether *db* hands out async engines (an ``alchemical.aio.Alchemical``)."""
    is_async = getattr(db, "is_async", None)
    return bool(is_async()) if callable(is_async) and hasattr(db, "bind_names") else False


def app_db_is_async() -> bool:
    """Whether the current app (if any) migrates an async ``db`` with Flask-Remodel."""
    from flask import current_app
    from flask import has_app_context

    if not has_app_context():
        return False
    state = current_app.extensions.get("migrate")
    return is_async_db(getattr(state, "raw_db", None))


def for_async_db(fn: Callable[_P, _T]) -> Callable[_P, _T]:
    """*fn*, run through :func:`run_bridged` when the current app's ``db`` is async."""

    @functools.wraps(fn)
    def call(*args: _P.args, **kwargs: _P.kwargs) -> _T:
        if in_bridge() or not app_db_is_async():
            return fn(*args, **kwargs)
        return run_bridged(lambda: fn(*args, **kwargs))

    return call


_bridged = threading.local()


def in_foreign_loop() -> bool:
    """Whether an event loop other than the bridge's runs the caller (an env.py's own).

    Connections opened by the command outside that loop (the deploy lock's)
    cannot be used from inside it.
    """
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        return False
    return running is not getattr(_bridged, "loop", None)


def in_bridge() -> bool:
    """Whether the caller may use an async engine's ``sync_engine`` (a greenlet runs it)."""
    if "greenlet" not in sys.modules:  # nothing could have started one
        return False
    from greenlet import getcurrent

    return bool(getattr(getcurrent(), "__sqlalchemy_greenlet_provider__", False))


def run_bridged(fn: Callable[[], _T]) -> _T:
    """Call *fn* where SQLAlchemy's async drivers work from synchronous code.

    Inside a greenlet already (a nested call), *fn* is simply called.
    """
    if in_bridge():
        return fn()
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # none: the usual case
        pass
    else:
        raise RuntimeError(
            "Flask-Remodel cannot wait for an async database inside a running event loop: "
            "call it from synchronous code, or inside 'await connection.run_sync(...)'."
        )
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    _bridged.loop = loop
    try:
        return _drive(fn, loop)
    finally:
        # The command leaves no loop behind as the thread's current one (an
        # env.py's asyncio.run() has already cleared it if it ran). A loop the
        # caller had set is not put back: finding it without the policy making
        # one (and warning) takes asyncio's private attributes.
        asyncio.set_event_loop(None)
        _bridged.loop = None
        try:
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()


def _drive(fn: Callable[[], _T], loop: asyncio.AbstractEventLoop) -> _T:
    """Call *fn* in a bridged greenlet, running each of its awaits on *loop*."""
    from greenlet import getcurrent

    driver = getcurrent()
    child = _greenlet_class()(fn, driver)
    # Flask's app context and click's context live in context variables: the
    # command must see the caller's.
    child.gr_context = driver.gr_context
    pending = child.switch()
    while not child.dead:
        try:
            value = loop.run_until_complete(pending)
        except BaseException:
            # The awaited call failed: the error surfaces where it was awaited.
            pending = child.throw(*sys.exc_info())
        else:
            pending = child.switch(value)
    result: _T = pending
    return result


def on_bridge_loop(fn: Callable[[], _T]) -> _T:
    """Call *fn*, which uses connections the command opened, where they work.

    Those connections belong to the bridge's loop. Inside an env.py's own
    loop (``asyncio.run`` in Flask-Migrate 3.1's aioflask env.py) they cannot
    be used from this thread: its running loop is the env.py's, and the
    bridge's cannot run here meanwhile. The bridge's loop is idle then (its
    greenlet waits for the command), so a thread of its own runs it for *fn*
    while this one waits: the deploy lock is checked there too, not skipped.
    """
    loop = getattr(_bridged, "loop", None)
    if loop is None or not in_foreign_loop():
        return fn()
    outcome: dict[str, Any] = {}
    context = contextvars.copy_context()

    def work() -> None:
        # The thread's current loop too, as in run_bridged: SQLAlchemy's asyncpg
        # adapter asks for it (asyncio.shield) when it closes a dead connection.
        asyncio.set_event_loop(loop)
        try:
            outcome["value"] = context.run(_drive, fn, loop)
        except BaseException as exc:  # handed to the caller, in its own thread
            outcome["error"] = exc
        finally:
            asyncio.set_event_loop(None)

    worker = threading.Thread(target=work, name="flask-remodel-bridge")
    worker.start()
    worker.join()
    if "error" in outcome:
        raise outcome["error"]
    value: _T = outcome["value"]
    return value


@functools.cache
def _greenlet_class() -> Any:
    # Defined on first use: greenlet is only imported for an async db.
    from greenlet import greenlet

    class Bridged(greenlet):  # type: ignore[misc]
        # What SQLAlchemy's await_() looks for: it then hands each awaitable
        # to this greenlet's parent (run_bridged) instead of refusing.
        __sqlalchemy_greenlet_provider__ = True

    return Bridged


def unpooled(engine: AsyncEngine) -> AsyncEngine:
    """An engine that opens *engine*'s connections but keeps none once released.

    The connections come from a copy of *engine*'s pool (``Pool.recreate()``:
    the same connect arguments and ``connect`` listeners, none of the app's
    pooled connections, which may belong to a loop that is gone), each taken
    out of it at once (``detach()``) and closed when released.
    """
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.pool import NullPool

    source = engine.sync_engine.pool.recreate()

    def connect() -> Any:
        pooled = source.connect()
        pooled.detach()
        return pooled.dbapi_connection

    made = create_async_engine(engine.url, creator=connect, poolclass=NullPool)
    return _engine_class()(made.sync_engine)


@functools.cache
def _engine_class() -> type[AsyncEngine]:
    # Defined on first use: sqlalchemy.ext.asyncio is only imported for an async db.
    from sqlalchemy.engine import Connection
    from sqlalchemy.ext.asyncio import AsyncConnection
    from sqlalchemy.ext.asyncio import AsyncEngine

    class OldEnvAsyncConnection(AsyncConnection):
        __slots__ = ()

        def _sync_connection(self) -> Connection:
            """The started connection's ``sync_connection``, by its SQLAlchemy 1.4 name."""
            if self.sync_connection is None:
                raise RuntimeError("the async connection is not started: await its start() first")
            return self.sync_connection

    class OldEnvAsyncEngine(AsyncEngine):
        __slots__ = ()

        def connect(self) -> AsyncConnection:
            return OldEnvAsyncConnection(self)

    return OldEnvAsyncEngine
