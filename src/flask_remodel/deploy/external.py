"""Work a revision does outside its database connection, written to the ledger like a statement.

A table copy by ``pt-online-schema-change`` runs in another program, on its
own connections: the runner's cursor events (:mod:`.runner`) never see it. An
operation that starts such work wraps it in :func:`external_statement`,
naming the statement it stands for; while the runner runs a revision it
listens here too, and records that statement as it records one that commits
by itself: marked in flight before the work starts, listed as done after it.
A process killed meanwhile leaves the in-flight mark, and the next
``upgrade`` reads it (:mod:`.died`).

Outside the runner (a plain Alembic ``env.py``) nothing listens and the work
just runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol


class ExternalWorkRecorder(Protocol):
    def external_starting(self, statement: str) -> None: ...

    def external_done(self, statement: str) -> None: ...


_recorder: ContextVar[ExternalWorkRecorder | None] = ContextVar(
    "remodel_external_recorder", default=None
)


@contextmanager
def recording(recorder: ExternalWorkRecorder) -> Iterator[None]:
    """Send the statements of :func:`external_statement` blocks to *recorder* (the runner)."""
    token = _recorder.set(recorder)
    try:
        yield
    finally:
        _recorder.reset(token)


@contextmanager
def external_statement(statement: str) -> Iterator[None]:
    """Record *statement* as in flight for the block, and as done once the block ends well."""
    recorder = _recorder.get()
    if recorder is not None:
        recorder.external_starting(statement)
    yield
    if recorder is not None:
        recorder.external_done(statement)
