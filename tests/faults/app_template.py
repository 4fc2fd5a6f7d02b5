"""The app module ``flask`` loads in the fault trials' subprocesses (copied next to the project).

The fault is injected from inside the process, at a statement count, so a seed
replays the same kill: a SQLAlchemy hook on every engine counts the statements
the runner sends (the migration's, the ledger's and the lock's alike) and

* ``REMODEL_FAULT_SIGNAL=KILL|INT`` and ``REMODEL_FAULT_AT=<n>:before|after``:
  sends itself that signal just before (or just after) the n-th statement;
  ``REMODEL_FAULT_AT=after:<statement prefix>+<k>``: just after the k-th
  statement after the first that starts with the prefix;
  ``REMODEL_FAULT_AT=checkin:<statement prefix>``: once the connection that ran the
  first statement starting with the prefix is back in its pool (committed: a
  ledger write that must be in the database before the kill);
  ``REMODEL_FAULT_AT=driver:<statement prefix>``: just before PyMySQL sends the
  first statement starting with the prefix, after everything SQLAlchemy's hooks
  (the runner's among them) sent first on that connection;
* ``REMODEL_FAULT_SERVER_KILL=<statement prefix>``: before a statement starting
  with it is sent, another connection locks ``item`` (so the statement waits in
  the server), and a thread waits until the server shows the statement waiting
  and has the server end the migration's connection (``KILL CONNECTION`` on
  MariaDB, ``pg_terminate_backend`` on PostgreSQL), then lets go of ``item``;
  ``<statement prefix>#<n>``: the n-th statement starting with it;
* ``REMODEL_FAULT_LOCK_KILL=<statement prefix>[#<n>]``: before that statement,
  has the server end the deploy lock's own session (the holder's lock, not its
  migration connection), writes the file ``lock-killed`` next to this module,
  and waits ``REMODEL_FAULT_LOCK_PAUSE`` seconds (a waiter gets in meanwhile)
  before the statement goes on to the holder's own check;
* ``REMODEL_FAULT_CUT=<int|drop>:<statement prefix>``: as for a server kill,
  ``item`` is locked so the statement waits in the server; once it waits, a
  thread ends the client's wait without ending the statement: ``int`` sends
  this process SIGINT (Ctrl-C), ``drop`` shuts the connection's socket (a
  dropped network). It writes the statement's session id to the file
  ``cut-session`` next to this module, then lets go of ``item`` after
  ``REMODEL_FAULT_HOLD`` seconds (0: at once, so the server can complete the
  statement after its client stopped waiting). ``REMODEL_FAULT_AGAIN=<seconds>``:
  a second SIGINT that long after the cut; ``REMODEL_FAULT_HOLD=outside``: the
  test holds the blocker itself (past this process's end): this process writes
  the file ``blocker-wanted`` and sends the statement once ``blocker-held`` is there;
* ``REMODEL_FAULT_LOCK_TIMEOUT=<ms>``: the app's ``REMODEL_LOCK_TIMEOUT``;
* ``REMODEL_FAULT_COUNT=<file>``: writes how many statements ran, at exit.
"""

import atexit
import os
import signal
import socket
import threading
import time

import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_remodel import Migrate

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["REMODEL_TEST_URL"]
app.config["REMODEL_LINT"] = "off"  # the runner is under test, not the linter
if os.environ.get("REMODEL_FAULT_LOCK_TIMEOUT"):  # 0: no lock-wait limit, no watchdog
    app.config["REMODEL_LOCK_TIMEOUT"] = int(os.environ["REMODEL_FAULT_LOCK_TIMEOUT"])
db = SQLAlchemy(app)
Migrate(app, db, directory=os.path.join(os.path.dirname(__file__), "migrations"))

_count = 0
_fault_at = os.environ.get("REMODEL_FAULT_AT", "")
_signal = getattr(signal, "SIG" + os.environ.get("REMODEL_FAULT_SIGNAL", "KILL"))
_server_kill = os.environ.get("REMODEL_FAULT_SERVER_KILL", "")
_lock_kill = os.environ.get("REMODEL_FAULT_LOCK_KILL", "")
_cut = os.environ.get("REMODEL_FAULT_CUT", "")


_matched_at = 0  # the count of the statement REMODEL_FAULT_AT=after:<prefix> matched
_checkin_armed = False  # REMODEL_FAULT_AT=checkin:<prefix> matched: kill at the next checkin


def _checkin(dbapi_connection, record):
    if _checkin_armed:
        os.kill(os.getpid(), _signal)


def _signal_at(moment: str, statement: str) -> None:
    global _matched_at
    if _fault_at == f"{_count}:{moment}":
        os.kill(os.getpid(), _signal)
    global _checkin_armed
    if moment == "after" and _fault_at == f"checkin:{statement.lstrip()[:len(_fault_at) - 8]}":
        _checkin_armed = True
    if not _fault_at.startswith("after:") or moment != "after":
        return
    prefix, _, later = _fault_at[len("after:"):].partition("+")
    if not _matched_at and statement.lstrip().startswith(prefix):
        _matched_at = _count
    if _matched_at and _count == _matched_at + int(later or 0):
        os.kill(os.getpid(), _signal)


def _before(conn, cursor, statement, parameters, context, executemany):
    global _count, _server_kill
    _count += 1
    _signal_at("before", statement)
    global _lock_kill
    hit, _server_kill = _nth(_server_kill, statement)
    if hit:  # one kill per process
        _kill_from_the_server(_session_id(conn))
    hit, _lock_kill = _nth(_lock_kill, statement)
    if hit:
        _kill_the_lock_session()
    global _cut
    how, _, prefix = _cut.partition(":")
    hit, prefix = _nth(prefix, statement)
    _cut = f"{how}:{prefix}" if prefix else ""
    if hit:
        _cut_the_wait(conn, how)


def _nth(spec: str, statement: str) -> tuple[bool, str]:
    """Whether *statement* is the one ``<prefix>[#<n>]`` names, and the spec left."""
    prefix, _, nth = spec.partition("#")
    if not prefix or not statement.lstrip().startswith(prefix):
        return False, spec
    if int(nth or 1) > 1:
        return False, f"{prefix}#{int(nth) - 1}"
    return True, ""


def _after(conn, cursor, statement, parameters, context, executemany):
    _signal_at("after", statement)


def _session_id(conn: sa.engine.Connection) -> int:
    raw = conn.connection.dbapi_connection
    if conn.dialect.name == "postgresql":
        return int(raw.info.backend_pid)
    return int(raw.thread_id())


_LOCK = {
    "postgresql": ["BEGIN", "LOCK TABLE item IN ACCESS EXCLUSIVE MODE"],
    "mysql": ["LOCK TABLES item WRITE"],
}
_UNLOCK = {"postgresql": "ROLLBACK", "mysql": "UNLOCK TABLES"}
_WAITING = {
    "postgresql": "SELECT count(*) FROM pg_stat_activity WHERE pid = :id AND state = 'active'"
    " AND wait_event_type = 'Lock'",
    "mysql": "SELECT count(*) FROM information_schema.processlist WHERE id = :id"
    " AND info IS NOT NULL AND state LIKE 'Waiting for%'",
}
_SENT = "SELECT count(*) FROM information_schema.processlist WHERE id = :id AND info IS NOT NULL"
_END = {"postgresql": "SELECT pg_terminate_backend(:id)", "mysql": "KILL CONNECTION %d"}


def _kill_from_the_server(session_id: int) -> None:
    """Hold ``item`` so that *session_id*'s statement waits in the server, then end that
    session from here: the statement is in flight when the server kills it."""
    engine = sa.create_engine(os.environ["REMODEL_TEST_URL"], poolclass=sa.pool.NullPool)
    name = engine.dialect.name
    connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    for statement in _LOCK[name]:
        connection.exec_driver_sql(statement)

    def kill() -> None:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as killer:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                if killer.execute(sa.text(_WAITING[name]), {"id": session_id}).scalar():
                    break
                time.sleep(0.005)
            end = _END[name]
            killer.execute(sa.text(end % session_id if "%d" in end else end), {"id": session_id})
        connection.exec_driver_sql(_UNLOCK[name])
        connection.close()
        engine.dispose()

    threading.Thread(target=kill).start()


def _cut_the_wait(conn: sa.engine.Connection, how: str) -> None:
    """Hold ``item`` so the statement waits in the server, then end the client's wait
    (SIGINT, or a dropped socket) and let go of ``item``: the server may complete it."""
    session_id = _session_id(conn)
    raw = conn.connection.dbapi_connection
    fd = raw._sock.fileno() if hasattr(raw, "_sock") else raw.pgconn.socket
    engine = sa.create_engine(os.environ["REMODEL_TEST_URL"], poolclass=sa.pool.NullPool)
    name = engine.dialect.name
    hold = os.environ.get("REMODEL_FAULT_HOLD", "0")
    connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    for statement in _LOCK[name] if hold != "outside" else []:
        connection.exec_driver_sql(statement)
    if hold == "outside":
        here = os.path.dirname(__file__)
        open(os.path.join(here, "blocker-wanted"), "w").close()
        deadline = time.monotonic() + 20
        while not os.path.exists(os.path.join(here, "blocker-held")):
            assert time.monotonic() < deadline, "the test never held the blocker"
            time.sleep(0.01)

    # A row lock's wait shows as the statement's own state ("Updating"), not "Waiting for".
    waiting = _WAITING[name] if hold != "outside" or name != "mysql" else _SENT

    def cut() -> None:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as watcher:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                if watcher.execute(sa.text(waiting), {"id": session_id}).scalar():
                    break
                time.sleep(0.005)
        if how == "int":
            os.kill(os.getpid(), signal.SIGINT)
        else:
            # shutdown() acts on the socket itself, whichever descriptor names it.
            dropped = socket.socket(fileno=os.dup(fd))
            dropped.shutdown(socket.SHUT_RDWR)
            dropped.close()
        marker = os.path.join(os.path.dirname(__file__), "cut-session")
        with open(marker + ".part", "w") as part:
            part.write(str(session_id))
        os.replace(marker + ".part", marker)  # whole when it appears
        again = os.environ.get("REMODEL_FAULT_AGAIN")
        if again:
            time.sleep(float(again))
            os.kill(os.getpid(), signal.SIGINT)
        if hold == "outside":
            return
        time.sleep(float(hold))
        connection.exec_driver_sql(_UNLOCK[name])
        connection.close()
        engine.dispose()

    threading.Thread(target=cut, daemon=True).start()


_LOCK_SESSION = {
    # pg_locks is the whole server's: only this database's advisory lock.
    "postgresql": "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    "mysql": "SELECT IS_USED_LOCK(CONCAT('flask-remodel:', DATABASE()))",
}


def _kill_the_lock_session() -> None:
    """End the deploy lock's session from another one, as an administrator would."""
    engine = sa.create_engine(os.environ["REMODEL_TEST_URL"], poolclass=sa.pool.NullPool)
    name = engine.dialect.name
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as killer:
        session = killer.execute(sa.text(_LOCK_SESSION[name])).scalar()
        end = _END[name]
        killer.execute(sa.text(end % session if "%d" in end else end), {"id": session})
    engine.dispose()
    with open(os.path.join(os.path.dirname(__file__), "lock-killed"), "w") as marker:
        marker.write(str(session))
    time.sleep(float(os.environ.get("REMODEL_FAULT_LOCK_PAUSE", "0")))


def _write_count() -> None:
    path = os.environ.get("REMODEL_FAULT_COUNT")
    if path:
        with open(path, "w") as file:
            file.write(str(_count))


def _driver_sends() -> None:
    """``REMODEL_FAULT_AT=driver:<prefix>``: the signal, as PyMySQL is about to send it."""
    if not _fault_at.startswith("driver:"):
        return
    import pymysql.cursors

    prefix = _fault_at[len("driver:"):]
    sent = pymysql.cursors.Cursor.execute

    def execute(cursor, query, args=None):
        if query.lstrip().startswith(prefix):
            os.kill(os.getpid(), _signal)
        return sent(cursor, query, args)

    pymysql.cursors.Cursor.execute = execute


_driver_sends()
sa.event.listen(sa.engine.Engine, "before_cursor_execute", _before)
sa.event.listen(sa.engine.Engine, "after_cursor_execute", _after)
sa.event.listen(sa.pool.Pool, "checkin", _checkin)
atexit.register(_write_count)
