"""One database in place of the app's default one, for the commands run in a block.

A fleet (:mod:`flask_remodel.fleet`) runs the same history on many databases
with the single-database commands, unchanged: inside :func:`retargeted`, the
extension state hands out *engine* as the default bind's engine, and, for a
PostgreSQL schema, names that schema as ``version_table_schema``, which is where
the version table, the deploy ledger and the deploy lock's row live. Everything
that reaches the database goes through the state
(:meth:`flask_remodel.state.MigrateState.model_source`), so nothing else
needs to know.

A context variable, not an attribute of the state: the override belongs to the
run in progress, never to the app.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import MetaData
from sqlalchemy.engine import Engine

if TYPE_CHECKING:  # sources imports Flask; the dialects package reads this module without it
    from .sources import BindKey
    from .sources import ModelSource


@dataclass(frozen=True)
class Retarget:
    """The default bind's engine, and the schema Flask-Remodel's tables go to."""

    engine: Engine
    schema: str | None = None


_current: ContextVar[Retarget | None] = ContextVar("remodel_retarget", default=None)


def current_retarget() -> Retarget | None:
    """The override in force, if any."""
    return _current.get()


@contextmanager
def retargeted(engine: Engine, schema: str | None = None) -> Iterator[Retarget]:
    """Commands run in the block migrate *engine*'s database (in *schema*, if given)."""
    override = Retarget(engine, schema)
    token = _current.set(override)
    try:
        yield override
    finally:
        _current.reset(token)


class RetargetedSource:
    """*source* with its default bind's engine replaced; models and binds unchanged."""

    def __init__(self, source: ModelSource, engine: Engine) -> None:
        self.source = source
        self.default_engine = engine

    def bind_keys(self) -> list[BindKey]:
        return self.source.bind_keys()

    def engine(self, bind: BindKey) -> Engine:
        return self.default_engine if bind is None else self.source.engine(bind)

    def metadata(self, bind: BindKey) -> MetaData:
        return self.source.metadata(bind)
