"""Where targets run: in this process one after another, or in forked worker processes.

Alembic's migration context is global to a process, so two targets can never
run in threads of one process. Each worker is a process forked from this one
once the app is loaded, and runs target after target in turn: the app's
start-up is paid once, by the command, not once per target or per worker.
Where ``fork`` is missing (Windows), the fleet runs one target at a time.

A worker dies with the command (Linux: ``PR_SET_PDEATHSIG``): a run that is
killed stops everywhere at once, and what each target had done is what its
version table and ledger say (see docs/many-databases.md).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.connection import wait
from typing import Any

from flask import Flask

from . import report as states
from .report import TargetOutcome
from .targets import FleetTarget

RunOne = Callable[[FleetTarget], TargetOutcome]


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def default_parallel() -> int:
    """min(4, 2 × CPUs): migrations mostly wait on the server."""
    return max(1, min(4, (os.cpu_count() or 1) * 2))


class InProcess:
    """One target at a time, in this process."""

    capacity = 1

    def __init__(self, run_one: RunOne) -> None:
        self.run_one = run_one
        self.queued: list[FleetTarget] = []

    def start(self, target: FleetTarget) -> None:
        self.queued.append(target)

    def busy(self) -> int:
        return len(self.queued)

    def next_outcome(self) -> TargetOutcome:
        with _quiet_progress():
            return self.run_one(self.queued.pop(0))

    def close(self) -> None:
        self.queued.clear()


class _Worker:
    def __init__(self, process: Any, connection: Connection) -> None:
        self.process = process
        self.connection = connection
        self.target: FleetTarget | None = None


class ForkedPool:
    """Up to *capacity* forked workers, each running the targets it is handed in turn."""

    def __init__(self, run_one: RunOne, app: Flask, capacity: int) -> None:
        self.run_one = run_one
        self.app = app
        self.capacity = capacity
        self.workers: list[_Worker] = []
        self._context = multiprocessing.get_context("fork")

    def busy(self) -> int:
        return sum(1 for w in self.workers if w.target is not None)

    def start(self, target: FleetTarget) -> None:
        idle = next((w for w in self.workers if w.target is None), None)
        if idle is None:
            idle = self._fork()
        idle.target = target
        idle.connection.send(target)

    def _fork(self) -> _Worker:
        ours, theirs = self._context.Pipe()
        process = self._context.Process(
            target=_worker_loop, args=(theirs, ours, self.app, self.run_one), daemon=True
        )
        process.start()
        theirs.close()
        worker = _Worker(process, ours)
        self.workers.append(worker)
        return worker

    def next_outcome(self) -> TargetOutcome:
        """The outcome of the next target to finish (waits for one)."""
        running = {w.connection: w for w in self.workers if w.target is not None}
        ready = wait(list(running))
        worker = running[ready[0]]  # type: ignore[index]
        target = worker.target
        assert target is not None
        worker.target = None
        try:
            found: TargetOutcome = worker.connection.recv()
            return found
        except (EOFError, OSError):
            self.workers.remove(worker)
            return TargetOutcome(
                target.name, target.name, states.FAILED,
                error="the worker process died while running this target",
            )

    def close(self) -> None:
        for worker in self.workers:
            try:
                worker.connection.send(None)
            except OSError:
                pass
        for worker in self.workers:
            worker.process.join(timeout=30)
            worker.connection.close()
        self.workers.clear()


def _worker_loop(
    connection: Connection, parents_end: Connection, app: Flask, run_one: RunOne
) -> None:
    parents_end.close()
    _die_with_parent()
    _forget_inherited_connections(app)
    with app.app_context(), _quiet_progress():
        while True:
            try:
                target = connection.recv()
            except (EOFError, OSError, KeyboardInterrupt):
                return
            if target is None:
                return
            outcome = run_one(target)
            try:
                connection.send(outcome)
            except OSError:
                return


def _die_with_parent() -> None:
    """Linux: the kernel kills this worker when the command's process ends."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
    except (OSError, AttributeError):  # no prctl: the worker ends on its closed pipe instead
        pass


def _forget_inherited_connections(app: Flask) -> None:
    """Drop, without closing, pooled connections the fork copied: they are the parent's."""
    state = app.extensions.get("migrate")
    try:
        with app.app_context():
            source = state.model_source() if state is not None else None
            if source is not None:
                source.engine(None).dispose(close=False)
    except Exception:  # an app whose engine cannot be made: the targets have their own
        pass


class _quiet_progress:
    """Alembic's and Flask-Remodel's per-revision INFO lines stay out of the fleet's output."""

    names = ("alembic", "flask_remodel")

    def __enter__(self) -> None:
        self.levels = {name: logging.getLogger(name).level for name in self.names}
        for name in self.names:
            logging.getLogger(name).setLevel(logging.WARNING)

    def __exit__(self, *exc: object) -> None:
        for name, level in self.levels.items():
            logging.getLogger(name).setLevel(level)
