"""The order targets run in: canaries first, at most N at once, stop or keep going.

* The first *canary* targets that have work run alone first (up to *canary*
  at once); a canary's failure stops the run, whatever ``keep_going`` says.
  A target with nothing to do (already at the revision) passes through
  without counting as a canary.
* Then the rest, up to the pool's capacity at once.
* After a failure no new target starts unless ``keep_going``; those running
  finish either way.
* Ctrl-C: no new target starts; the running ones were interrupted too (the
  signal reaches the whole process group) and report it.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

from . import report as states
from .report import FleetReport
from .report import TargetOutcome
from .targets import FleetTarget


class Pool(Protocol):
    capacity: int

    def start(self, target: FleetTarget) -> None: ...

    def busy(self) -> int: ...

    def next_outcome(self) -> TargetOutcome: ...

    def close(self) -> None: ...


def run_schedule(
    targets: list[FleetTarget], report: FleetReport, pool: Pool, *, canary: int,
    keep_going: bool, progress: Callable[[FleetReport], None] | None = None,
) -> FleetReport:
    """Run *targets* on *pool*, filling in *report* (one outcome per target already)."""
    position = {outcome.name: at for at, outcome in enumerate(report.targets)}
    waiting = deque(targets)
    canaries_left = canary
    started = time.monotonic()

    def show() -> None:
        report.seconds = time.monotonic() - started
        if progress is not None:
            progress(report)

    try:
        while waiting or pool.busy():
            while waiting and report.stopped is None:
                limit = canaries_left if canaries_left > 0 else pool.capacity
                if pool.busy() >= min(limit, pool.capacity):
                    break
                target = waiting.popleft()
                report.targets[position[target.name]].state = states.RUNNING
                pool.start(target)
            show()
            if not pool.busy():
                break
            try:
                outcome = pool.next_outcome()
            except KeyboardInterrupt:
                report.stopped = "interrupted"
                continue
            at = position[outcome.name]
            outcome.where = report.targets[at].where
            report.targets[at] = outcome
            worked = outcome.state == states.FAILED or outcome.applied > 0
            if outcome.state == states.FAILED and report.stopped is None:
                if outcome.interrupted:
                    report.stopped = "interrupted"
                elif canaries_left > 0:
                    report.stopped = "canary failed"
                elif not keep_going:
                    report.stopped = "first failure"
            if worked and canaries_left > 0:
                canaries_left -= 1
    finally:
        pool.close()
        for outcome in report.targets:
            if outcome.state == states.RUNNING:  # never reported back
                outcome.state = states.FAILED
                outcome.error = outcome.error or "the run ended before this target reported"
    show()
    return report
