"""What ``op.get_bind()`` gives a revision while the linter replays it offline.

Offline, Alembic's bind is a mock connection that only echoes SQL, so a
revision that reads the dialect's version, or runs a query and looks at the
result, stopped there and the rest of it went unchecked (RM002). The bind
here answers as a database with the target's name and version and no rows
would: ``dialect.name``, ``dialect.server_version_info``, ``engine.url``,
and every ``execute(...)`` returns an empty result. What it executes is
handed to the recorder, which reads it like ``op.execute`` text, so a DML
statement there is still a data change (RM504) and DDL is judged as DDL.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL
from sqlalchemy.engine import make_url

from .model import Target


class NoRows:
    """The result of any statement during the replay: no rows, as on an empty database."""

    rowcount = 0

    def fetchone(self) -> None:
        return None

    def first(self) -> None:
        return None

    def scalar(self) -> None:
        return None

    def one_or_none(self) -> None:
        return None

    def scalar_one_or_none(self) -> None:
        return None

    def fetchall(self) -> list[Any]:
        return []

    def fetchmany(self, size: int | None = None) -> list[Any]:
        return []

    def all(self) -> list[Any]:
        return []

    def keys(self) -> list[str]:
        return []

    def scalars(self) -> NoRows:
        return self

    def mappings(self) -> NoRows:
        return self

    def one(self) -> Any:
        # What a real empty table answers: the revision then stops (RM002), as it would.
        raise sa.exc.NoResultFound("No row was found when one was required (offline replay)")

    def scalar_one(self) -> Any:
        return self.one()

    def close(self) -> None:
        return None

    def __iter__(self) -> Iterator[Any]:
        return iter(())


class ReplayBind:
    """A connection for *target* that runs nothing: *ran* gets each statement's SQL text."""

    def __init__(self, mock: Any, target: Target, ran: Callable[[str], None]) -> None:
        self._mock = mock
        self._target = target
        self._ran = ran

    @property
    def dialect(self) -> Any:
        dialect = self._mock.dialect
        if self._target.version is not None and dialect.server_version_info is None:
            dialect.server_version_info = self._target.version
        return dialect

    @property
    def engine(self) -> ReplayBind:
        return self  # engine.url and engine.dialect are what revisions read

    @property
    def url(self) -> URL:
        return make_url(f"{self._target.name}://")

    def connect(self) -> ReplayBind:
        return self

    def __enter__(self) -> ReplayBind:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def execute(self, statement: Any, *args: Any, **kw: Any) -> NoRows:
        self._ran(self._text(statement))
        return NoRows()

    def exec_driver_sql(self, statement: str, *args: Any, **kw: Any) -> NoRows:
        return self.execute(statement)

    def scalar(self, statement: Any, *args: Any, **kw: Any) -> None:
        self.execute(statement)
        return None

    def _text(self, statement: Any) -> str:
        if isinstance(statement, str):
            return statement
        try:
            return str(statement.compile(dialect=self.dialect))
        except Exception:  # an element that needs more than a dialect to compile
            return str(statement)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._mock, name)
