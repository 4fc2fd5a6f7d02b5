"""Fixtures for a project's own migration tests; load them from a conftest::

    pytest_plugins = ["flask_remodel.testing.fixtures"]

``remodel_app``         the Flask app (``--remodel-app`` or ``$FLASK_APP``); override
                        it in a conftest to build the app another way;
``remodel_scratch_url`` a new empty database beside the app's (or on
                        ``--remodel-url``), dropped after the test;
``remodel_runner``      a :class:`~flask_remodel.testing.MigrationRunner` on one
                        connection to that database, inside the app's context.

The checks are plain functions in :mod:`flask_remodel.testing`::

    def test_no_drift(remodel_runner):
        assert check_models_match(remodel_runner).status == "passed"
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING
from typing import Any

import pytest

from .pytest_plugin import load_app

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

    from .runner import MigrationRunner

# Alembic and the runner are imported by the fixtures that use them, so a
# conftest that loads this module costs nothing to tests that do not.


@pytest.fixture
def remodel_app(request: pytest.FixtureRequest) -> Any:
    """The Flask app whose migrations are tested."""
    return load_app(request.config)


@pytest.fixture
def remodel_scratch_url(request: pytest.FixtureRequest, remodel_app: Any) -> Iterator[URL]:
    """The URL of a scratch database, created for this test and dropped after it."""
    from ..api._session import open_session
    from .scratch import scratch_database

    with remodel_app.app_context():
        url = request.config.getoption("remodel_url", None)
        base = url or open_session().state.model_source().engine(None).url
    with scratch_database(base) as scratch:
        yield scratch


@pytest.fixture
def remodel_runner(remodel_app: Any, remodel_scratch_url: URL) -> Iterator[MigrationRunner]:
    """A migration runner on the scratch database, at base; the app's context is pushed."""
    from .runner import connected_runner

    with remodel_app.app_context(), connected_runner(remodel_scratch_url) as runner:
        yield runner
