"""A column type change MariaDB can only do by copying the table, through pt-online-schema-change.

``op.alter_column_type_online`` asks for the change in place; MariaDB refuses
INT to BIGINT and a VARCHAR crossing 255 bytes, and the ALTER then runs
through the real ``pt-online-schema-change`` (Debian's percona-toolkit,
installed by ``make test``): rows kept, type changed, no triggers or shadow
table left, whether it succeeds, fails, or its ``flask db upgrade`` is killed.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import subprocess
import time
import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from support import execute
from support import rows
from support.databases import in_ci

from .conftest import Project

ROWS = 3000


def _needs_ptosc() -> None:
    if shutil.which("pt-online-schema-change") is None:
        if in_ci():
            pytest.fail("pt-online-schema-change is not installed (make percona-toolkit)")
        pytest.skip("pt-online-schema-change is not installed (make percona-toolkit)")


def _big_table(project: Project, count: int) -> None:
    """``big``: an INT, a VARCHAR(100) (utf8mb4) and a filler, *count* rows (doubling)."""
    doublings = max(0, (count - 1).bit_length())
    text = "CONCAT('v', {})" if "mysql" in project.url or "mariadb" in project.url else "'v' || {}"
    body = (
        "op.create_table('big', sa.Column('id', sa.Integer, primary_key=True),"
        " sa.Column('n', sa.Integer, nullable=False), sa.Column('s', sa.String(50)),"
        " sa.Column('filler', sa.String(200)), mysql_charset='utf8mb4')\n"
        f"op.execute(\"INSERT INTO big (n, s, filler) VALUES (1, 'v1', '{'x' * 200}')\")\n"
    )
    for _ in range(doublings):
        more = "n + (SELECT MAX(n) FROM big b)"
        body += (
            f"op.execute(\"INSERT INTO big (n, s, filler) SELECT {more},"
            f" {text.format(more)}, filler FROM big\")\n"
        )
    body += f"op.execute('DELETE FROM big WHERE n > {count}')\n"
    project.add(body, sleep=0)


def _widen(project: Project) -> str:
    return project.add(
        "op.alter_column_type_online('big', 'n', sa.BigInteger(), existing_type=sa.Integer())\n"
        "op.alter_column_type_online('big', 's', sa.String(100), existing_type=sa.String(50))",
        sleep=0,
    )


def _types(project: Project) -> dict[str, str]:
    found = rows(
        project.url,
        "SELECT COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS"
        " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'big'",
    )
    return {str(name): str(kind).lower() for name, kind in found}


def _fingerprint(project: Project) -> tuple[Any, ...]:
    return rows(
        project.url,
        "SELECT COUNT(*), SUM(n), SUM(CRC32(CONCAT(id, ':', n, ':', s))) FROM big",
    )[0]


def _leftovers(project: Project) -> list[str]:
    triggers = rows(
        project.url,
        "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS"
        " WHERE TRIGGER_SCHEMA = DATABASE() AND TRIGGER_NAME LIKE 'pt\\_osc\\_%'",
    )
    tables = rows(
        project.url,
        "SELECT TABLE_NAME FROM information_schema.TABLES"
        " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE '\\_%big\\_%'",
    )
    return [str(name) for (name,) in [*triggers, *tables]]


@pytest.mark.backends("mariadb")
def test_int_to_bigint_and_varchar_widening_copy_through_ptosc(project: Project) -> None:
    _needs_ptosc()
    _big_table(project, ROWS)
    project.made.ok("upgrade")
    before = _fingerprint(project)
    assert _types(project)["n"].startswith("int") and _types(project)["s"] == "varchar(50)"
    widen = _widen(project)

    result = project.made.ok("upgrade")

    assert "Copying `" in result.output and "with pt-online-schema-change" in result.output
    assert _types(project)["n"].startswith("bigint") and _types(project)["s"] == "varchar(100)"
    assert _fingerprint(project) == before == (ROWS, ROWS * (ROWS + 1) // 2, before[2])
    assert _leftovers(project) == []
    # Each copy is in the ledger as a statement that committed, not in flight.
    (entry,) = [e for e in project.ledger() if e["revision"] == widen]
    assert entry["outcome"] == "applied"
    assert entry["executed"].count("through pt-online-schema-change") == 2
    assert "in flight" not in entry["executed"]


@pytest.mark.backends("mariadb")
def test_a_failed_copy_leaves_no_triggers_or_shadow_table(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    _needs_ptosc()
    _big_table(project, ROWS)
    project.made.ok("upgrade")
    before = _fingerprint(project)
    _widen(project)
    # A critical load of one running thread is always reached: pt-osc gives up at its
    # first check, once its triggers and shadow table exist and the copy has begun.
    monkeypatch.setenv("REMODEL_PT_OSC_ARGS", "--critical-load Threads_running=1")

    result = project.made.cli("upgrade")

    assert result.exit_code == 1, result.output
    assert "pt-online-schema-change stopped altering 'big'" in result.output
    assert "Threads_running" in result.output, result.output  # its reason
    assert "The table and its rows are as they were" in result.output
    assert _leftovers(project) == []
    assert _types(project)["n"].startswith("int") and _types(project)["s"] == "varchar(50)"
    assert _fingerprint(project) == before


@pytest.mark.backends("mariadb")
def test_without_ptosc_the_refusal_says_how_to_get_it(
    project: Project, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    _big_table(project, 10)
    project.made.ok("upgrade")
    _widen(project)
    monkeypatch.setenv("REMODEL_PT_OSC", str(tmp_path / "no-such-pt-osc"))

    result = project.made.cli("upgrade")

    assert result.exit_code == 1, result.output
    output = " ".join(result.output.split())
    assert "cannot run in place on this server" in output
    assert "REMODEL_PT_OSC names" in output and "apt-get install percona-toolkit" in output
    assert _types(project)["n"].startswith("int")
    assert rows(project.url, "SELECT COUNT(*) FROM big") == [(10,)]


def _wait_for_copy(project: Project, process: subprocess.Popen[str], least: int = 1) -> None:
    """Until pt-osc's triggers exist and its shadow table has *least* rows (the copy is on)."""
    deadline = time.monotonic() + 120
    while True:
        assert process.poll() is None, f"process ended first:\n{process.communicate()}"
        assert time.monotonic() < deadline, "the copy never started"
        if len(_leftovers(project)) >= 4:  # three triggers and the shadow table
            copied = rows(project.url, "SELECT COUNT(*) FROM `_big_new`")[0][0]
            if copied >= least:
                return
        time.sleep(0.05)


def _ptosc_processes(database: str) -> list[str]:
    found = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    return [line for line in found.splitlines()
            if "pt-online-schema-change" in line and f"D={database}," in line]


@pytest.mark.backends("mariadb")
def test_a_killed_copy_is_cleaned_up_by_the_next_run(project: Project) -> None:
    _needs_ptosc()
    total = 200_000
    _big_table(project, total)
    project.made.ok("upgrade")
    before = _fingerprint(project)
    widen = _widen(project)
    database = sa.engine.make_url(project.url).database
    assert database

    # Fixed chunks of 2,000 rows, a progress line for each percent: a copy that takes
    # long enough to be killed in its middle, and says how far it got.
    process = project.spawn(
        "upgrade",
        REMODEL_PT_OSC_ARGS="--chunk-time 0 --chunk-size 2000 --progress percentage,1",
    )
    _wait_for_copy(project, process, least=total // 10)
    time.sleep(0.2)  # its progress line reaches the runner's output
    os.kill(process.pid, signal.SIGKILL)
    _, said = process.communicate(timeout=30)
    assert "% done" in said and "left" in said, said  # pt-osc's progress, as ours
    deadline = time.monotonic() + 10
    while _ptosc_processes(database):  # it dies with the process that started it
        assert time.monotonic() < deadline, _ptosc_processes(database)
        time.sleep(0.1)
    left = _leftovers(project)
    assert "_big_new" in left and len(left) == 4, left
    assert _fingerprint(project) == before  # the original has every row

    status = project.made.ok("status").output
    # The copy's ALTER was in flight; the schema shows it did not take effect.
    assert f"{widen}  interrupted" in status and "did not take effect" in status, status
    assert "the table copy it ran left 4 object(s)" in status  # status only says so
    assert "which the next upgrade removes" in status and len(_leftovers(project)) == 4

    result = project.made.ok("upgrade")

    assert "removed its" in result.output and "_big_new" in result.output, result.output
    assert _leftovers(project) == []
    assert _types(project)["n"].startswith("bigint") and _types(project)["s"] == "varchar(100)"
    assert _fingerprint(project) == before
    outcomes = [e["outcome"] for e in project.ledger() if e["revision"] == widen]
    assert outcomes == ["interrupted", "applied"], outcomes


def test_the_type_change_runs_on_every_backend(project: Project) -> None:
    """PostgreSQL and SQLite run Alembic's alter_column (SQLite in batch mode)."""
    if project.url.startswith("mariadb") or project.url.startswith("mysql"):
        _needs_ptosc()
    _big_table(project, 20)
    project.made.ok("upgrade")
    project.add(
        "op.alter_column_type_online('big', 's', sa.String(100), existing_type=sa.String(50))",
        sleep=0,
    )
    project.made.ok("upgrade")
    engine = sa.create_engine(project.url)
    try:
        (column,) = [c for c in sa.inspect(engine).get_columns("big") if c["name"] == "s"]
        assert column["type"].length == 100
    finally:
        engine.dispose()
    assert rows(project.url, "SELECT COUNT(*) FROM big") == [(20,)]


@pytest.mark.backends("mariadb")
def test_the_password_reaches_ptosc_through_a_file_only(project: Project) -> None:
    """A user with a password: pt-osc connects, and no command line or output shows it."""
    _needs_ptosc()
    _big_table(project, 50_000)
    project.made.ok("upgrade")
    before = _fingerprint(project)
    _widen(project)
    root = sa.engine.make_url(project.url)
    user, secret = f"rm_{uuid.uuid4().hex[:10]}", 'S3cr"et\\pw#1'
    quoted = secret.replace("\\", "\\\\")
    execute(project.url, f"CREATE USER '{user}'@'%' IDENTIFIED BY '{quoted}'")
    try:
        execute(project.url, f"GRANT ALL ON `{root.database}`.* TO '{user}'@'%'")
        # What pt-osc asks of the server: the processlist, and its replicas (SHOW SLAVE HOSTS).
        execute(
            project.url,
            f"GRANT PROCESS, REPLICATION CLIENT, REPLICATION MASTER ADMIN ON *.* TO '{user}'@'%'",
        )
        url = root.set(username=user, password=secret).render_as_string(hide_password=False)
        process = dataclasses.replace(project, url=url).spawn("upgrade")
        seen: list[str] = []
        while process.poll() is None:
            ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True)
            seen += ps.stdout.splitlines()
            time.sleep(0.05)
        out, err = process.communicate()
    finally:
        execute(project.url, f"DROP USER IF EXISTS '{user}'@'%'")
    assert process.returncode == 0, out + err
    assert any("pt-online-schema-change" in line for line in seen)  # it was looked at running
    assert not any(secret in line for line in seen)
    assert secret not in out + err
    assert _types(project)["n"].startswith("bigint") and _fingerprint(project) == before


@pytest.mark.backends("mariadb")
def test_a_check_constraint_goes_through_the_copy_and_broken_rows_stop_it(
    project: Project,
) -> None:
    """MariaDB adds a CHECK only by copying; pt-osc stops at rows that break it."""
    _needs_ptosc()
    _big_table(project, ROWS)
    project.made.ok("upgrade")
    before = _fingerprint(project)
    broken = project.add(
        f"op.create_check_constraint_online('ck_big_n', 'big', 'n < {ROWS // 2}')", sleep=0
    )

    result = project.made.cli("upgrade")

    assert result.exit_code == 1, result.output
    assert "pt-online-schema-change stopped altering 'big'" in result.output
    assert "ck_big_n" in result.output  # the server's complaint, passed on
    assert _leftovers(project) == [] and _fingerprint(project) == before
    checks = "SELECT COUNT(*) FROM information_schema.CHECK_CONSTRAINTS" \
        " WHERE CONSTRAINT_SCHEMA = DATABASE()"
    assert rows(project.url, checks) == [(0,)]

    path = next(project.versions.glob(f"{broken}_*.py"))
    path.write_text(path.read_text().replace(f"n < {ROWS // 2}", "n > 0"))
    project.made.ok("resolve", broken, "--rolled-back")
    project.made.ok("upgrade")
    assert rows(project.url, checks) == [(1,)]
    assert _leftovers(project) == [] and _fingerprint(project) == before


@pytest.mark.backends("mariadb")
def test_a_revision_that_failed_after_its_copy_resumes_without_copying_again(
    project: Project,
) -> None:
    _needs_ptosc()
    _big_table(project, ROWS)
    project.made.ok("upgrade")
    before = _fingerprint(project)
    step = project.add(
        "op.alter_column_type_online('big', 'n', sa.BigInteger(), existing_type=sa.Integer())\n"
        "op.add_column('later', sa.Column('x', sa.Integer))",  # no such table yet
        sleep=0,
    )
    failed = project.made.cli("upgrade")
    assert failed.exit_code == 1, failed.output
    assert _types(project)["n"].startswith("bigint")  # the copy was committed
    execute(project.url, "CREATE TABLE later (id INTEGER PRIMARY KEY)")

    resumed = project.made.ok("upgrade")

    assert f"Resuming {step}: 1 statement(s) it committed before are skipped" in resumed.output
    assert "with pt-online-schema-change" not in resumed.output  # not copied twice
    assert rows(project.url, "SELECT COUNT(*) FROM later") == [(0,)]
    assert "x" in {c for (c,) in rows(
        project.url, "SELECT COLUMN_NAME FROM information_schema.COLUMNS"
        " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'later'")}
    assert _fingerprint(project) == before and _leftovers(project) == []


PLUGIN = """package pt_online_schema_change_plugin;
use strict;
sub new { my ($class, %args) = @_; return bless {}, $class; }
sub after_swap_tables { die "forced failure after the swap\\n"; }
1;
"""
"""A pt-osc plugin (its documented hook API) that fails the run right after the swap."""


@pytest.mark.backends("mariadb")
def test_a_failure_after_the_swap_keeps_the_change_and_removes_the_old_table(
    project: Project, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    _needs_ptosc()
    _big_table(project, ROWS)
    project.made.ok("upgrade")
    before = _fingerprint(project)
    project.add(
        "op.alter_column_type_online('big', 'n', sa.BigInteger(), existing_type=sa.Integer())",
        sleep=0,
    )
    plugin = tmp_path / "fail_after_swap.pl"
    plugin.write_text(PLUGIN)
    monkeypatch.setenv("REMODEL_PT_OSC_ARGS", f"--plugin {plugin}")

    result = project.made.ok("upgrade")

    # pt-osc exits non-zero leaving `_big_old` (the original, swapped out): the change is
    # made, so the upgrade goes on once that is dropped, and says what happened.
    assert "swapped in the altered" in result.output and "forced failure" in result.output
    assert "_big_old" in result.output, result.output
    assert _types(project)["n"].startswith("bigint") and _fingerprint(project) == before
    assert _leftovers(project) == []


def _foreign_keys_to(project: Project, table: str) -> list[tuple[Any, ...]]:
    return rows(
        project.url,
        "SELECT TABLE_NAME, REFERENCED_TABLE_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS"
        " WHERE CONSTRAINT_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME LIKE :t",
        t=f"%{table}%",
    )


@pytest.mark.backends("mariadb")
def test_a_table_other_tables_refer_to_keeps_their_foreign_keys(project: Project) -> None:
    """rebuild_constraints: after the swap the child's key points at the new table."""
    _needs_ptosc()
    _big_table(project, ROWS)
    project.add(
        "op.create_table('child', sa.Column('id', sa.Integer, primary_key=True),"
        " sa.Column('big_id', sa.Integer, sa.ForeignKey('big.id', name='fk_child_big')))\n"
        "op.execute('INSERT INTO child (id, big_id) SELECT id, id FROM big WHERE id <= 100')",
        sleep=0,
    )
    project.made.ok("upgrade")
    before = _fingerprint(project)
    children = rows(project.url, "SELECT COUNT(*) FROM child")
    assert children[0][0] > 0
    _widen(project)

    project.made.ok("upgrade")

    assert _types(project)["n"].startswith("bigint") and _fingerprint(project) == before
    assert _foreign_keys_to(project, "big") == [("child", "big")]  # not `_big_old`
    assert rows(project.url, "SELECT COUNT(*) FROM child") == children
    # The key is enforced against the new table.
    with pytest.raises(sa.exc.IntegrityError):
        execute(project.url, "INSERT INTO child (id, big_id) VALUES (1000000, 999999999)")
    assert _leftovers(project) == []


@pytest.mark.backends("mariadb")
def test_an_interrupted_copy_cleans_up_at_once(project: Project) -> None:
    """SIGINT to `flask db upgrade` alone (not its process group): pt-osc is told to stop."""
    _needs_ptosc()
    total = 200_000
    _big_table(project, total)
    project.made.ok("upgrade")
    before = _fingerprint(project)
    widen = _widen(project)
    process = project.spawn(
        "upgrade", REMODEL_PT_OSC_ARGS="--chunk-time 0 --chunk-size 2000",
    )
    _wait_for_copy(project, process, least=total // 10)

    os.kill(process.pid, signal.SIGINT)
    _, said = process.communicate(timeout=60)

    assert process.returncode != 0, said
    database = sa.engine.make_url(project.url).database
    assert database and not _ptosc_processes(database)
    assert _leftovers(project) == [], said
    assert _types(project)["n"].startswith("int") and _fingerprint(project) == before
    again = project.made.ok("upgrade")
    assert "removed its" not in again.output  # nothing was left for it
    assert _types(project)["n"].startswith("bigint") and _fingerprint(project) == before
    assert [e["outcome"] for e in project.ledger() if e["revision"] == widen][-1] == "applied"


@pytest.mark.backends("mariadb")
def test_a_narrowing_that_would_cut_values_is_refused_before_any_copy(project: Project) -> None:
    """pt-osc only warns when a value is cut short: values too long stop it beforehand."""
    _needs_ptosc()
    _big_table(project, ROWS)
    project.made.ok("upgrade")
    before = _fingerprint(project)
    project.add(
        "op.alter_column_type_online('big', 's', sa.String(3), existing_type=sa.String(50))",
        sleep=0,
    )

    result = project.made.cli("upgrade")

    assert result.exit_code == 1, result.output
    said = " ".join(result.output.split())
    # 'v1'..'v99' fit in 3 characters; every longer value is counted.
    assert f"{ROWS - 99} row(s) hold values longer than the new type allows" in said, said
    assert "with pt-online-schema-change" not in said
    assert _types(project)["s"] == "varchar(50)" and _fingerprint(project) == before
    assert _leftovers(project) == []
