"""A table copy that does not block writes, on MariaDB/MySQL: ``pt-online-schema-change``.

An ALTER the server can only do by copying the table (``ALGORITHM=COPY``)
blocks every write for as long as the copy takes. Percona's
``pt-online-schema-change`` (pt-osc, Debian's ``percona-toolkit``) does the
same change on a copy instead: it creates ``_<table>_new``, alters it,
installs triggers that repeat each write of the table there, copies the rows
in chunks sized to take ``--chunk-time`` each (pausing while the server is
loaded: ``--max-load``; giving up when it is overloaded: ``--critical-load``),
then swaps the two tables with one atomic ``RENAME TABLE``.

:func:`copy_alter` runs one ALTER that way, for the online operations
(:mod:`.implementations`) when the in-place form was refused:

* the program is ``REMODEL_PT_OSC`` (environment) or ``pt-online-schema-change``
  on ``PATH``; :func:`find_program` says why there is none;
* it connects with the migration engine's URL: host, port, user and database
  on its command line, the password in a temporary defaults file only its
  owner can read, so that it is never on a command line (``ps``) or in a
  message;
* the run's lock policy carries over: ``lock_wait_timeout`` and
  ``innodb_lock_wait_timeout`` (whole seconds, at least 1) for its sessions,
  and ``--tries`` from the retries and their delay;
* tables other tables refer to by foreign key are handled with
  ``--alter-foreign-keys-method rebuild_constraints``: after the swap each
  child table's key is re-pointed at the new table by an ALTER of the child
  (atomic, the keys always hold; it rebuilds the child, so a large child
  table is itself a long ALTER). ``drop_swap`` would drop the original
  before renaming the copy, leaving a moment with no table and no way back
  if that rename fails; ``none`` would leave the children's keys pointing at
  a dropped table; ``auto`` may pick ``drop_swap``;
* its ``Copying ... NN% ... remain`` lines become progress lines (the
  ``flask_remodel.online`` logger, shown by ``flask db upgrade``);
* the deploy runner writes the ALTER to the ledger as in flight before the
  program starts, and as done once it succeeded (:mod:`..deploy.external`);
* the program dies with the process that started it (Linux: the parent-death
  signal), so a killed ``flask db upgrade`` leaves no copy running on its
  own; the next ``upgrade`` removes what it left (:mod:`..deploy.copy_leftovers`);
* when the program fails, what it left is removed at once and
  :class:`~.errors.TableCopyFailedError` raised; the original table is
  untouched, since pt-osc only ever writes to its copy before the swap.

pt-osc copies with ``INSERT IGNORE``: a row that would break a unique key
added by the ALTER is dropped from the copy, so its own check that refuses an
ALTER adding a unique key (``--check-unique-key-change``) stays on. Any other
warning while copying stops it (a NULL into a NOT NULL column, a value out of
range, a row breaking a CHECK), except MariaDB's "data truncated" (1265): a
type change that may shorten values is refused before the copy starts
(:func:`truncating_rows`).
"""

from __future__ import annotations

import ctypes
import logging
import math
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Iterator
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.engine import URL

from ..deploy.copy_leftovers import entry_for
from ..deploy.copy_leftovers import remove_leftovers
from ..deploy.external import external_statement
from ..urls import mask_passwords
from .errors import TableCopyFailedError
from .policy import LockPolicy

log = logging.getLogger("flask_remodel.online")

PROGRAM = "pt-online-schema-change"
SETTING = "REMODEL_PT_OSC"
ARGS_SETTING = "REMODEL_PT_OSC_ARGS"

CHUNK_TIME = 0.05
"""Seconds each chunk's copy should take; pt-osc sizes the chunks to it as it goes.

A write to a row of the chunk being copied waits for that chunk, so this is
about the longest wait the copy adds. pt-osc's own default (0.5 s) let single
writes wait 300 to 600 ms in ``bench/online.py`` at 200,000 rows; 0.05 s
brought that to 60 to 120 ms, with the copy no slower."""
MAX_LOAD = "Threads_running=25"
"""Above this, pt-osc pauses the copy until the server is less busy."""
CRITICAL_LOAD = "Threads_running=100"
"""Above this, pt-osc gives up (and removes its copy): the server is overloaded."""
FOREIGN_KEYS_METHOD = "rebuild_constraints"
_RETRIED = (
    "create_triggers", "drop_triggers", "copy_rows", "swap_tables", "update_foreign_keys",
    "analyze_table",
)
_PROGRESS = re.compile(r"^\s*Copying\s+(.+?):\s+(\d+)%\s+(\S+)\s+remain")
_STAMP = re.compile(r"^\s*(?:\(in cleanup\)\s*)?(?:\d{4}-\d\d-\d\dT[\d:]+\s+)?")
_CHATTER = re.compile(
    r"^(Copying|Creating|Created|Altering|Altered|Dropping|Dropped|Not dropping|Swapping|"
    r"Swapped|Analyzing|Successfully|Will |No slaves|No foreign|Operation, tries|Child tables|"
    r"Rebuilding|Rebuilt|Updating|Updated|Copied|Inserted|Skipping|Using original|"
    r"Not checking|[a-z_]+, \d+, [\d.]+$)"
)
_KEPT_LINES = 40
_SWAPPED = "Swapped original and new tables OK"


@dataclass(frozen=True)
class Program:
    """The pt-osc program to run (*path*), or why there is none (*missing*)."""

    path: str | None
    missing: str = ""


@dataclass(frozen=True)
class CopyResult:
    """One ALTER done by pt-osc."""

    table: str
    alter: str
    seconds: float
    output: tuple[str, ...]
    """Its last lines of output (progress lines left out)."""


def find_program(environ: Mapping[str, str] | None = None) -> Program:
    """The program ``REMODEL_PT_OSC`` names, else ``pt-online-schema-change`` on PATH."""
    environ = os.environ if environ is None else environ
    chosen = environ.get(SETTING)
    if chosen:
        found = shutil.which(chosen)
        if found is None:
            return Program(None, f"{SETTING} names '{chosen}', which is not a program found")
        return Program(found)
    found = shutil.which(PROGRAM)
    if found is None:
        return Program(None, f"{PROGRAM} is not installed (not found on PATH)")
    return Program(found)


def _seconds(ms: int) -> int:
    return max(1, math.ceil(ms / 1000))


def command(
    program: str, url: URL, database: str, table: str, alter: str, policy: LockPolicy,
    defaults_file: str | None, extra: str = "",
) -> list[str]:
    """The pt-osc command line for *alter* on *database*.*table* (never with a password)."""
    dsn = [f"D={database}", f"t={table}"]
    if url.host:
        dsn.insert(0, f"h={url.host}")
    if url.port:
        dsn.insert(1, f"P={url.port}")
    if url.username:
        dsn.append(f"u={url.username}")
    socket = url.query.get("unix_socket")
    if isinstance(socket, str):
        dsn.append(f"S={socket}")
    args = [program]
    if defaults_file is not None:
        args.append(f"--defaults-file={defaults_file}")  # must come first
    args += [
        "--alter", alter, "--execute", "--no-version-check",
        "--alter-foreign-keys-method", FOREIGN_KEYS_METHOD,
        "--chunk-time", str(CHUNK_TIME), "--max-load", MAX_LOAD,
        "--critical-load", CRITICAL_LOAD, "--progress", "time,1",
    ]
    if policy.lock_timeout_ms > 0:
        wait = _seconds(policy.lock_timeout_ms)
        args += ["--set-vars", f"lock_wait_timeout={wait},innodb_lock_wait_timeout={wait}"]
        delay = f"{policy.retry_delay_ms / 1000:g}"
        tries = policy.retries + 1
        args += ["--tries", ",".join(f"{step}:{tries}:{delay}" for step in _RETRIED)]
    args += shlex.split(extra)
    args.append(",".join(dsn))
    return args


def _option_value(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


@contextmanager
def defaults_file(url: URL) -> Iterator[str | None]:
    """A ``[client]`` option file with the URL's password, readable by its owner only."""
    if not url.password:
        yield None
        return
    fd, path = tempfile.mkstemp(prefix="remodel-ptosc-", suffix=".cnf")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(f"[client]\npassword={_option_value(str(url.password))}\n")
        yield path
    finally:
        os.unlink(path)


def _die_with_parent() -> None:  # pragma: no cover - runs in the child, before exec
    """In the child: be killed when the process that started it dies (Linux)."""
    if sys.platform.startswith("linux"):
        parent = os.getppid()
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # it died before the call
            os._exit(1)


def _message(lines: deque[str]) -> str:
    """What pt-osc said went wrong: its error lines (once each), else its last words."""
    said: list[str] = []
    for line in lines:
        text = _STAMP.sub("", line).strip()
        if text and not _CHATTER.match(text) and text not in said:
            said.append(text)
    errors = [text for text in said if "rror" in text or "exceeds" in text]
    chosen = " ".join((errors or said)[-3:]) or (lines[-1].strip() if lines else "")
    return mask_passwords(chosen)[:600]


def copy_alter(
    url: URL, database: str, table: str, alter: str, policy: LockPolicy, program: str,
    environ: Mapping[str, str] | None = None,
) -> CopyResult:
    """Run ``ALTER TABLE <table> <alter>`` through pt-osc; raise TableCopyFailedError.

    *alter* is the clause after the table name (``MODIFY n BIGINT NOT NULL``).
    """
    environ = os.environ if environ is None else environ
    statement = entry_for(f"ALTER TABLE `{database}`.`{table}` {alter}")
    began = time.monotonic()
    kept: deque[str] = deque(maxlen=_KEPT_LINES)
    with defaults_file(url) as options, external_statement(statement):
        args = command(
            program, url, database, table, alter, policy, options, environ.get(ARGS_SETTING, "")
        )
        log.info("Copying `%s`.`%s` with pt-online-schema-change: %s", database, table, alter)
        with subprocess.Popen(
            args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            errors="replace", preexec_fn=_die_with_parent,
        ) as process:
            try:
                status = _follow(process, database, table, kept)
            except BaseException:
                # Ctrl-C: pt-osc removes its triggers and copy on SIGINT. A terminal sent
                # it one too (same process group), a `kill -INT` of ours did not.
                _stop(process)
                remove_leftovers_quietly(url, database, table)
                raise
        if status != 0:
            removed = remove_leftovers_quietly(url, database, table)
            swapped = any(_SWAPPED in line for line in kept)
            if not swapped or "could not remove" in removed:
                raise TableCopyFailedError(table, status, _message(kept), removed, swapped)
            # A step after the swap failed (dropping the old table or the triggers):
            # the change is made and what was left is gone, so the copy is done.
            log.warning(
                "pt-online-schema-change swapped in the altered `%s`.`%s`, then stopped (%s);"
                " removed %s", database, table, _message(kept), removed or "nothing",
            )
    return CopyResult(table, alter, time.monotonic() - began, tuple(kept))


def _follow(
    process: subprocess.Popen[str], database: str, table: str, kept: deque[str]
) -> int:
    """Read pt-osc's output until it exits: progress lines logged, the rest kept."""
    assert process.stdout is not None
    for line in process.stdout:
        progress = _PROGRESS.match(line)
        if progress is not None:
            log.info(
                "Copying `%s`.`%s`: %s%% done, %s left", database, table,
                progress.group(2), progress.group(3),
            )
            continue
        kept.append(line.rstrip("\n"))
        log.debug("pt-online-schema-change: %s", mask_passwords(line.rstrip()))
    return process.wait()


def _stop(process: subprocess.Popen[str]) -> None:
    """Have pt-osc stop and clean up (SIGINT), given 30 s; then kill it."""
    try:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    except (subprocess.TimeoutExpired, KeyboardInterrupt):
        process.kill()
        process.wait()


def remove_leftovers_quietly(url: URL, database: str, table: str) -> str:
    """Remove what a stopped pt-osc left on *table*; say what, or why it could not."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    try:
        removed = remove_leftovers(engine, database, table)
    except Exception as exc:  # the failure being reported matters more
        return mask_passwords(
            f"could not remove its leftovers ({exc}); the next 'flask db upgrade' does"
        )
    finally:
        engine.dispose()
    return removed.describe() if removed else ""
