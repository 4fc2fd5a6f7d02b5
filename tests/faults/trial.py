"""One fault trial: a project at ``r1``, an ``upgrade`` subprocess that a fault ends,
then the checks of what is left, the documented recovery and the checks of the end.

The checks hold the ledger and the version table to what is really in the
database (:func:`history.present`), never the other way round.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from flask_remodel.deploy.committed import from_record
from flask_remodel.deploy.committed import is_in_flight
from support import MadeApp
from support import execute
from support import rows

from .history import BACKFILL
from .history import HEAD
from .history import REVISIONS
from .history import UNDO
from .history import item_count
from .history import present
from .history import write_history

SEED_ENV = "REMODEL_FAULT_SEED"
TRIALS_ENV = "REMODEL_FAULT_TRIALS"
DEFAULT_SEED = 1805
TRANSACTIONAL = ("sqlite", "postgresql")


def base_seed() -> int:
    return int(os.environ.get(SEED_ENV, DEFAULT_SEED))


def trial_count() -> int:
    return int(os.environ.get(TRIALS_ENV, 20))


def trial_random(kind: str, backend: str, trial: int) -> random.Random:
    """The trial's own generator: the same seed, backend and number replay the same fault."""
    return random.Random(f"{base_seed()}:{kind}:{backend}:{trial}")


@dataclass
class Ran:
    returncode: int
    output: str


class Zygote:
    """The process that forks a child per command (``zygote.py``); one per test worker."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("zygote.py"))],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )

    def run(
        self, cwd: Path, env: dict[str, str], args: list[str], output: Path, timeout: float
    ) -> int:
        assert self.process.stdin is not None and self.process.stdout is not None
        request = {"cwd": str(cwd), "env": env, "args": args, "output": str(output),
                   "timeout": timeout}
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        assert answer, "the zygote process died"
        return int(json.loads(answer)["returncode"])

    def close(self) -> None:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)
        self.process.stdout.close()


@dataclass
class FaultProject:
    zygote: Zygote
    made: MadeApp
    root: Path
    url: str
    backend: str
    rows: int

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("REMODEL_FAULT_")}
        env.update(FLASK_APP=str(self.root / "app.py"), REMODEL_TEST_URL=self.url)
        env.update(REMODEL_FAULT_ROWS=str(self.rows), **extra)
        return env

    def upgrade(
        self, timeout: float = 120, zygote: Zygote | None = None, name: str = "upgrade",
        **extra: str,
    ) -> Ran:
        """``flask db upgrade`` in a new process (a fork of *zygote*, by default the
        project's), with the fault in *extra*; its output goes to ``<name>.out``."""
        return self.command("upgrade", timeout=timeout, zygote=zygote, name=name, **extra)

    def command(
        self, *args: str, timeout: float = 120, zygote: Zygote | None = None,
        name: str = "command", **extra: str,
    ) -> Ran:
        """``flask db <args>`` in a new process, as :meth:`upgrade`."""
        output = self.root / f"{name}.out"
        forks = zygote or self.zygote
        code = forks.run(self.root, self.env(**extra), ["db", *args], output, timeout)
        return Ran(code, output.read_text())

    def version(self) -> str | None:
        found = rows(self.url, "SELECT version_num FROM alembic_version")
        return str(found[0][0]) if found else None

    def last_outcomes(self) -> dict[str, tuple[str, str]]:
        """Each revision's last upgrade ledger row: ``(outcome, executed)``."""
        found = rows(
            self.url,
            "SELECT revision, outcome, executed FROM remodel_ledger"
            " WHERE direction = 'upgrade' ORDER BY id",
        )
        return {str(r): (str(o), str(e or "")) for r, o, e in found}

    def answers(self) -> tuple[str, str]:
        """What ``heads`` and ``history`` say (they must not change with a fault)."""
        return self.made.ok("heads").output, self.made.ok("history").output


def make_fault_project(
    zygote: Zygote, made: MadeApp, root: Path, url: str, backend: str, rows_: int
) -> FaultProject:
    shutil.copy(Path(__file__).with_name("app_template.py"), root / "app.py")
    made.ok("init")
    write_history(root / "migrations" / "versions")
    project = FaultProject(zygote, made, root, url, backend, rows_)
    os.environ["REMODEL_FAULT_ROWS"] = str(rows_)  # r1 runs in this process
    try:
        project.made.ok("upgrade", "r1")
    finally:
        del os.environ["REMODEL_FAULT_ROWS"]
    return project


def check_truthful(project: FaultProject, context: str) -> None:
    """The ledger, the version table and the schema agree; no row of ``item`` is lost."""
    assert item_count(project.url) == project.rows, f"{context}: rows of item lost"
    version = project.version()
    assert version in REVISIONS, f"{context}: version table says {version}"
    applied_up_to = REVISIONS.index(version)
    found = present(project.url, project.rows)
    ledger = project.last_outcomes()
    for index, revision in enumerate(REVISIONS[1:], start=1):
        outcome, executed = ledger.get(revision, ("", ""))
        if index <= applied_up_to:
            assert found[revision] == "all", f"{context}: {revision} applied but {found}"
            # A row left 'running' by a process killed after the commit is for
            # status to conclude "applied"; anything else is a wrong entry.
            assert outcome in ("applied", "running"), f"{context}: {revision} {outcome}"
            continue
        assert outcome != "applied", f"{context}: {revision} 'applied', version table {version}"
        if found[revision] == "none":
            # What the ledger lists as committed must be there.
            assert not _listed(revision, executed, in_flight=False), (
                f"{context}: the ledger lists {executed!r} as committed; {revision} is not there"
            )
            continue
        # Part of a revision past the version table: MariaDB commits each DDL
        # statement, and the backfill commits its batches (outside the revision's
        # transaction, on PostgreSQL too); the ledger must list what was kept.
        committed_alone = project.backend == "mariadb" or (
            project.backend == "postgresql" and revision == BACKFILL
        )
        assert committed_alone, f"{context}: {revision} kept {found}"
        if project.backend == "postgresql":
            # Its row stays 'running' with nothing listed after a kill (the runner
            # records statements as they run only where DDL commits by itself), says
            # 'failed' after an error (its batches are written to run again), or
            # 'interrupted' after Ctrl-C or a lost connection (closed by the process
            # itself, as the next upgrade would close it); the next upgrade runs it
            # again, which carries on with the rows still NULL.
            assert outcome in ("running", "failed", "interrupted"), (
                f"{context}: {revision} {outcome}"
            )
            continue
        # 'interrupted' with something kept: a backfill's batches, after Ctrl-C or a
        # lost connection (the next upgrade carries on).
        assert outcome in ("running", "partial", "failed", "interrupted"), (
            f"{context}: {revision} {outcome}"
        )
        # A statement the process died sending may be listed as in flight (the
        # next reader checks the schema); either way, it must be listed.
        assert _listed(revision, executed, in_flight=True), (
            f"{context}: {revision} kept ({found[revision]}) but the ledger lists {executed!r}"
        )


_MARKS = {
    "r2": "ADD COLUMN price", "r3": "UPDATE item SET price", "r4": "CREATE INDEX ix_item_name",
    "r5": "CREATE TABLE item_note", "r6": "ADD COLUMN label", "r7": "UPDATE item SET label",
}


def _listed(revision: str, executed: str, in_flight: bool) -> bool:
    """Whether *executed* lists *revision*'s statement (*in_flight*: also as only sent)."""
    mark = _MARKS.get(revision)
    entries = from_record(executed)
    if not in_flight:
        entries = tuple(e for e in entries if not is_in_flight(e))
    return mark is not None and any(mark in entry for entry in entries)


def _needs_attention(status: str) -> list[tuple[str, str]]:
    """``(revision, outcome)`` of each entry under "Needs attention"."""
    if "Needs attention" not in status:
        return []
    section = status.split("Needs attention", 1)[1]
    return re.findall(r"^  (r\d)  (\w+)", section, flags=re.MULTILINE)


def _committed(status: str, revision: str) -> list[str]:
    """The statements "Needs attention" lists as committed by *revision*."""
    attention = status.split("Needs attention", 1)[1]
    section = attention.split(f"\n  {revision}  ", 1)[1].split("\n  r", 1)[0]
    return re.findall(r"committed: (.*)", section)


def _undo_and_resolve(project: FaultProject, revision: str, status: str) -> None:
    """Undo by hand what the partial *revision* committed, and say so (docs/deploys.md)."""
    for statement in _committed(status, revision):
        undo = [u for mark, u in UNDO.items() if mark in statement]
        assert undo, f"no known undo for {statement!r}"
        if undo[0] is not None:
            execute(project.url, undo[0])
    project.made.ok("resolve", revision, "--rolled-back")


def recover(project: FaultProject) -> tuple[str, str]:
    """Follow docs/deploys.md from ``status`` to a database at head; return what status
    said and the path taken."""
    status = project.made.ok("status").output
    attention = _needs_attention(status)
    said = ", ".join(f"{r} {o}" for r, o in attention) or "nothing to attend"
    steps = []
    # A partial revision resumes when its record is whole; else upgrade refuses.
    result = project.made.cli("upgrade")
    steps.extend(f"resumed {r}" for r in re.findall(r"^Resuming (r\d):", result.output, re.M))
    if result.exit_code == 9:  # refused: the output names the revision to resolve
        steps.append("upgrade refused (9)")
        for revision in re.findall(r"flask db resolve (r\d) --applied", result.output)[:1]:
            _undo_and_resolve(project, revision, project.made.ok("status").output)
            steps.append(f"undo+resolve {revision} --rolled-back")
        result = project.made.cli("upgrade")
    assert result.exit_code == 0, f"recovery stuck after {steps}:\n{status}\n{result.output}"
    steps.append("upgrade")
    return said, " -> ".join(steps)


def check_recovered(project: FaultProject, context: str) -> None:
    """The database is where a clean run leaves it: at head, every revision whole."""
    assert project.version() == HEAD, f"{context}: at {project.version()} after recovery"
    assert item_count(project.url) == project.rows, f"{context}: rows of item lost"
    found = present(project.url, project.rows)
    assert set(found.values()) == {"all"}, f"{context}: after recovery {found}"
    outcomes = {r: o for r, (o, _) in project.last_outcomes().items()}
    assert all(outcomes[r] == "applied" for r in REVISIONS[1:]), f"{context}: {outcomes}"
    assert "Needs attention" not in project.made.ok("status").output, context
