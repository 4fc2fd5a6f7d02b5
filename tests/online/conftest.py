"""The ``project`` fixture: see ``support/online.py``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from support.apps import AppFactory
from support.online import BASE
from support.online import OnlineProject
from support.online import ok


@pytest.fixture
def project(make_app: AppFactory) -> Iterator[OnlineProject]:
    # The online operations are under test; the linter's upgrade step has its own tests.
    made = make_app(config={"REMODEL_LINT": "off"})
    made.ok("init")
    found = OnlineProject(made)
    found.revision("r0", BASE)
    ok(found.upgrade())

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        found.sent.append(" ".join(statement.split()))

    sa.event.listen(found.engine, "before_cursor_execute", record)
    yield found
    sa.event.remove(found.engine, "before_cursor_execute", record)


