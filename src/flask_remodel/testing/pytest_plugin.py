"""The pytest plugin: off unless asked for.

Installed through the ``pytest11`` entry point, so pytest loads this module in
every project where Flask-Remodel is installed; on its own it only adds the
``--remodel-*`` options below and changes nothing else. The built-in checks
are collected only with ``--remodel-checks``; the fixtures live in
:mod:`flask_remodel.testing.fixtures`, loaded only by a project that asks
(``pytest_plugins = ["flask_remodel.testing.fixtures"]`` in a conftest).

With ``--remodel-checks`` three tests run before the project's own, each on a
scratch database of its own:

``remodel::single_head``   the history has ``--remodel-heads`` heads (default 1);
``remodel::stairway``      from empty to head one revision at a time, with
                           generated rows, each revision upgraded, downgraded and
                           upgraded again (schema and rows compared);
``remodel::models_match``  at head, autogenerate finds no difference.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest

CHECKS = ("single_head", "stairway", "models_match")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("remodel", "Flask-Remodel migration checks")
    group.addoption(
        "--remodel-checks", action="store_true", default=False,
        help="Run Flask-Remodel's built-in migration checks.",
    )
    group.addoption(
        "--remodel-app", default=None, metavar="IMPORT",
        help="The Flask app, as 'flask --app' takes it (default: $FLASK_APP, then app.py).",
    )
    group.addoption(
        "--remodel-url", default=None, metavar="URL",
        help="Server to create scratch databases on (default: the app's database URL).",
    )
    group.addoption(
        "--remodel-heads", type=int, default=1, metavar="N",
        help="Number of heads the history should have (default 1).",
    )


def load_app(config: pytest.Config) -> Any:
    """The app named by ``--remodel-app`` or ``$FLASK_APP`` (found as ``flask`` finds it)."""
    from flask.cli import ScriptInfo

    path = config.getoption("remodel_app", None) or os.environ.get("FLASK_APP")
    return ScriptInfo(app_import_path=path).load_app()


class CheckFailed(Exception):
    """A built-in check found faults; the lines say which."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


class RemodelCheck(pytest.Item):
    """One built-in check, run on a scratch database of its own."""

    def runtest(self) -> None:
        from .checks import check_models_match
        from .checks import check_single_head
        from .runner import connected_runner
        from .scratch import scratch_database

        config = self.config
        app = load_app(config)
        heads: int = config.getoption("remodel_heads", 1)
        with app.app_context():
            from ..api._session import open_session

            url = config.getoption("remodel_url", None)
            base = url or open_session().state.model_source().engine(None).url
            with scratch_database(base) as scratch, connected_runner(scratch) as runner:
                runs: dict[str, Callable[[], Any]] = {
                    "single_head": lambda: [check_single_head(runner, heads)],
                    "stairway": lambda: _stairway(runner),
                    "models_match": lambda: [check_models_match(runner)],
                }
                results = runs[self.name.split("::")[-1]]()
        failed = [r for r in results if r.failed]
        if failed:
            from .checks import describe

            raise CheckFailed([describe(r) for r in failed])

    def repr_failure(self, excinfo: Any, style: Any = None) -> str:
        if isinstance(excinfo.value, CheckFailed):
            return "\n".join(excinfo.value.lines)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.path, None, f"flask_remodel check: {self.name}"


def _stairway(runner: Any) -> list[Any]:
    from .checks import Stairway

    return Stairway(runner, roundtrip=True, data=True, report=None).run().results


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    if not config.getoption("remodel_checks", False):
        return
    # First in the list and before -k/-m deselection, which runs after this hook.
    items[:0] = [RemodelCheck.from_parent(session, name=f"remodel::{n}") for n in CHECKS]
