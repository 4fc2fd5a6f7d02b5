"""A process that has imported Flask, SQLAlchemy, Alembic and Flask-Remodel once, and
forks a child for each ``flask`` command a trial runs.

Starting a new interpreter and importing all that takes about two seconds on a
loaded machine, more than the upgrade it runs: forked children make the fault
suite fit in CI. A child is still a process of its own, with its own database
connections (this one never opens any), so SIGKILL and SIGINT reach it as they
would reach ``flask db upgrade`` started from a shell.

Protocol: one JSON request per line on stdin (``cwd``, ``env``, ``args``,
``output``, ``timeout``); one JSON answer per line on stdout (``returncode``,
negative for a signal, as :mod:`subprocess` says it).
"""

import atexit
import json
import os
import signal
import sys
import time

import alembic.command  # noqa: F401  (imported here so that children need not)
import flask.cli
import flask_sqlalchemy  # noqa: F401
import pymysql  # noqa: F401
import sqlalchemy  # noqa: F401

import flask_remodel  # noqa: F401

try:
    import psycopg  # noqa: F401
except ImportError:  # SQLAlchemy 1.4 uses psycopg2
    import psycopg2  # noqa: F401


def _child(request: dict) -> None:
    """Run ``flask <args>`` in this (forked) process and leave with its exit code."""
    code = 1
    try:
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        output = os.open(request["output"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(output, 1)
        os.dup2(output, 2)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        sys.argv = ["flask", *request["args"]]
        flask.cli.main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _wait(pid: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.01)


def main() -> None:
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(request)
        code = _wait(pid, request["timeout"])
        sys.stdout.write(json.dumps({"returncode": code}) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
