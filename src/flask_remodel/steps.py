"""The revisions a command applied, collected through Alembic's ``on_version_apply``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class AppliedStep:
    """One revision applied, rolled back or stamped."""

    revision: str | None
    """The revision the database moved to (``None`` at base)."""
    from_revisions: tuple[str, ...]
    is_upgrade: bool
    is_stamp: bool
    message: str
    bind: str | None = None


_recorder: ContextVar[list[AppliedStep] | None] = ContextVar("remodel_steps", default=None)
_bind: ContextVar[str | None] = ContextVar("remodel_bind", default=None)


@contextmanager
def recording() -> Iterator[list[AppliedStep]]:
    """Collect the steps applied inside the block into the yielded list."""
    steps: list[AppliedStep] = []
    token = _recorder.set(steps)
    try:
        yield steps
    finally:
        _recorder.reset(token)


@contextmanager
def current_bind(name: str | None) -> Iterator[None]:
    token = _bind.set(name)
    try:
        yield
    finally:
        _bind.reset(token)


def record_step(*, ctx: Any, step: Any, heads: Any, run_args: Any) -> None:
    """An ``on_version_apply`` hook (Alembic calls it with keyword arguments)."""
    steps = _recorder.get()
    if steps is None:
        return
    targets = tuple(step.destination_revision_ids)
    revision = step.up_revision
    message = (getattr(revision, "doc", "") or "") if revision is not None else ""
    steps.append(
        AppliedStep(
            targets[0] if targets else None,
            tuple(step.source_revision_ids),
            step.is_upgrade,
            step.is_stamp,
            message,
            _bind.get(),
        )
    )


def with_recorder(user_hooks: Any) -> list[Any]:
    """The user's ``on_version_apply`` callbacks (a callable or a list) plus ours."""
    if user_hooks is None:
        hooks: list[Any] = []
    elif callable(user_hooks):
        hooks = [user_hooks]
    else:
        hooks = list(user_hooks)
    return [*hooks, record_step] if record_step not in hooks else hooks
