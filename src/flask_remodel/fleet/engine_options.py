"""The app's ``SQLALCHEMY_ENGINE_OPTIONS``, applied to each fleet target's engine.

A target's engine is the app's engine pointed elsewhere: what the app asks of
its connections (``connect_args`` such as SSL settings or session variables,
``pool_pre_ping``, ``isolation_level``, ``echo``, ``execution_options``...) it
gets too. Some options cannot follow it:

* ``url`` (Flask-SQLAlchemy's override of the URI) and ``creator`` (a function
  that connects to one fixed database whatever the URL): the target's URL is
  the point;
* the queue pool's sizing (``pool_size``, ``max_overflow``, ``pool_timeout``,
  ``pool_use_lifo``) and ``poolclass``/``pool``: a target's engine keeps
  SQLAlchemy's default pool for the few connections one upgrade holds at once
  and is disposed of when the target is done (see
  :func:`~.targets.target_engine`); the app's sizing is for its web traffic;
* ``connect_args`` on a target whose driver differs from the app's: those
  arguments are the app's driver's (``options`` is psycopg's, ``init_command``
  PyMySQL's) and another driver refuses them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.engine import URL

NOT_FOR_TARGETS = frozenset({"url", "creator"})
POOL_SIZING = frozenset({"pool_size", "max_overflow", "pool_timeout", "pool_use_lifo",
                         "poolclass", "pool"})
DRIVER_SPECIFIC = frozenset({"connect_args"})


def target_engine_options(
    app_options: Mapping[str, Any] | None, app_url: URL, target_url: URL
) -> dict[str, Any]:
    """The options of the app's engine that a target's engine at *target_url* takes too."""
    same_driver = (
        app_url.get_backend_name() == target_url.get_backend_name()
        and app_url.get_driver_name() == target_url.get_driver_name()
    )
    kept = {}
    for key, value in (app_options or {}).items():
        if key in NOT_FOR_TARGETS or key in POOL_SIZING:
            continue
        if key in DRIVER_SPECIFIC and not same_driver:
            continue
        kept[key] = dict(value) if isinstance(value, Mapping) else value
    return kept
