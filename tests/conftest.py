"""Shared fixtures: one fresh database per test on each backend, and in-process apps.

Fixtures (the machinery lives in ``tests/support``):

``backend``        the backend name, ``"sqlite"``, ``"postgresql"`` or ``"mariadb"``.
``database_url``   the URL of a new, empty database on that backend, dropped after the test.
``make_database``  ``make_database(label=None) -> str``: another fresh database on
                   the same backend (for binds), dropped after the test.
``make_app``       ``make_app(define_models=None, *, database_url=..., binds=None,
                   directory=None, sqlite_foreign_keys=False, config=None, **migrate_kwargs)
                   -> MadeApp`` with ``.app``, ``.db``, ``.migrate``, ``.migrations_dir``,
                   ``.cli(*args, input=None)``; see ``support/apps.py``.
``project_factory`` the older per-model-version apps of ``tests/projects.py``.

Any test that uses ``backend`` or ``database_url`` (directly or through another
fixture) runs once per backend: those in ``REMODEL_TEST_BACKENDS`` (a comma list;
default all three), narrowed for one test, class or module by
``@pytest.mark.backends("sqlite", ...)``. A server that cannot be reached skips
the test, or fails it when ``CI=true``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from support.apps import AppFactory
from support.databases import ALL_BACKENDS
from support.databases import BACKENDS_ENV
from support.databases import check_backend_names
from support.databases import fresh_database
from support.databases import in_ci
from support.databases import selected_backends

if TYPE_CHECKING:
    from projects import ProjectFactory


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "backends(*names): run a database test only on these backends (default: all three)",
    )
    config.addinivalue_line(
        "markers",
        "needs_latest: needs Flask-SQLAlchemy 3.1, Flask-SQLAlchemy-Lite or Flask-Migrate"
        " (excluded in the minimum-versions leg)",
    )
    selected_backends()  # a bad REMODEL_TEST_BACKENDS stops the run before collection


def pytest_report_header(config: pytest.Config) -> str:
    unreachable = "fail (CI=true)" if in_ci() else "skip"
    source = BACKENDS_ENV if os.environ.get(BACKENDS_ENV, "").strip() else "default"
    return (
        f"remodel backends: {', '.join(selected_backends())} "
        f"({source}; unreachable servers {unreachable})"
    )


def _parametrized_by_test(metafunc: pytest.Metafunc, name: str) -> bool:
    for marker in metafunc.definition.iter_markers("parametrize"):
        argnames = marker.args[0] if marker.args else marker.kwargs.get("argnames", "")
        if isinstance(argnames, str):
            argnames = [part.strip() for part in argnames.split(",")]
        if name in argnames:
            return True
    return False


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" not in metafunc.fixturenames or _parametrized_by_test(metafunc, "backend"):
        return
    backends = selected_backends()
    marker = metafunc.definition.get_closest_marker("backends")
    if marker is not None:
        check_backend_names(marker.args, f"@pytest.mark.backends on {metafunc.definition.nodeid}")
        backends = [name for name in backends if name in marker.args]
    metafunc.parametrize("backend", backends, indirect=True, ids=backends)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """The backend this test runs on (parametrised in ``pytest_generate_tests``)."""
    name: str = request.param
    assert name in ALL_BACKENDS
    return name


@pytest.fixture
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """The URL of a fresh, empty database on ``backend``; dropped after the test."""
    with fresh_database(backend, tmp_path) as url:
        yield url


@pytest.fixture
def make_database(backend: str, tmp_path: Path) -> Iterator[Callable[..., str]]:
    """``make_database(label=None) -> url``: one more fresh database on ``backend``.

    For binds. *label* names the SQLite file (``<label>.db``); default ``db2``, ``db3``...
    """
    with ExitStack() as stack:
        count = 1

        def make(label: str | None = None) -> str:
            nonlocal count
            count += 1
            return stack.enter_context(fresh_database(backend, tmp_path, label or f"db{count}"))

        yield make


@pytest.fixture
def make_app(
    database_url: str, make_database: Callable[..., str], tmp_path: Path
) -> Iterator[AppFactory]:
    """Build Flask apps in-process over ``database_url``; engines are disposed afterwards.

    (It depends on ``make_database`` so that bind databases are dropped after
    the apps' engines are disposed.)
    """
    factory = AppFactory(database_url, tmp_path)
    try:
        yield factory
    finally:
        factory.dispose()


@pytest.fixture
def project_factory(database_url: str, tmp_path: Path) -> Iterator[ProjectFactory]:
    """Flask apps over one database and migrations folder (see tests/projects.py)."""
    from projects import ProjectFactory

    factory = ProjectFactory(database_url, tmp_path)
    yield factory
    factory.dispose()


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """Undo what a ``fileConfig`` in some env.py did to the loggers, for the next test.

    Levels and enabled/propagate flags only: pytest manages the handlers.
    """
    manager = logging.Logger.manager
    loggers = [logging.getLogger()] + [
        logger for logger in list(manager.loggerDict.values()) if isinstance(logger, logging.Logger)
    ]
    saved = [(logger, logger.level, logger.disabled, logger.propagate) for logger in loggers]
    yield
    for logger, level, disabled, propagate in saved:
        logger.setLevel(level)
        logger.disabled = disabled
        logger.propagate = propagate
    # A logger first made during the test (a module imported lazily) may have
    # been disabled by that fileConfig too: later tests expect it to log.
    known = {id(logger) for logger in loggers}
    for logger in list(manager.loggerDict.values()):
        if isinstance(logger, logging.Logger) and id(logger) not in known:
            logger.disabled = False
