"""pt-online-schema-change's command line, defaults file and output, without a database.

The runs themselves (real pt-osc on MariaDB) are in tests/deploy/test_table_copy.py.
"""

from __future__ import annotations

import os
import stat
from collections import deque
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from flask_remodel.deploy.copy_leftovers import entry_for
from flask_remodel.deploy.copy_leftovers import table_of_entry
from flask_remodel.online.policy import LockPolicy
from flask_remodel.online.ptosc import _PROGRESS
from flask_remodel.online.ptosc import _message
from flask_remodel.online.ptosc import command
from flask_remodel.online.ptosc import defaults_file
from flask_remodel.online.ptosc import find_program

SECRET = 'pa"ss\\w0rd,with=odd'
URL = make_url("mysql+pymysql://app:x@db.example:3307/shop?charset=utf8mb4").set(
    password=SECRET
)


def test_the_command_line_never_holds_the_password() -> None:
    with defaults_file(URL) as path:
        assert path is not None
        args = command("pt-osc", URL, "shop", "orders", "MODIFY n BIGINT", LockPolicy(), path)
        assert not any(SECRET in arg or "pa" + '"' in arg for arg in args)
        assert args[1] == f"--defaults-file={path}"  # pt-osc wants it first
        assert args[-1] == "h=db.example,P=3307,D=shop,t=orders,u=app"
        mode = stat.S_IMODE(os.stat(path).st_mode)
        assert mode == 0o600
        text = Path(path).read_text()
        assert text == '[client]\npassword="pa\\"ss\\\\w0rd,with=odd"\n'
    assert not Path(path).exists()  # gone once the copy is over


def test_no_password_no_defaults_file() -> None:
    with defaults_file(make_url("mysql+pymysql://app@db.example/shop")) as path:
        assert path is None


def test_the_lock_policy_carries_over() -> None:
    policy = LockPolicy(lock_timeout_ms=2500, retries=3, retry_delay_ms=200)
    args = command("pt-osc", URL, "shop", "t", "MODIFY n BIGINT", policy, None)
    assert args[args.index("--set-vars") + 1] == (
        "lock_wait_timeout=3,innodb_lock_wait_timeout=3"
    )
    tries = args[args.index("--tries") + 1].split(",")
    assert "swap_tables:4:0.2" in tries and "copy_rows:4:0.2" in tries and len(tries) == 6
    assert args[args.index("--alter-foreign-keys-method") + 1] == "rebuild_constraints"
    assert args[args.index("--alter") + 1] == "MODIFY n BIGINT"
    assert "--no-version-check" in args and "--execute" in args
    # No lock timeout: pt-osc's own defaults, no --set-vars of ours.
    unlimited = command("pt-osc", URL, "shop", "t", "X", LockPolicy(lock_timeout_ms=0), None)
    assert "--set-vars" not in unlimited and "--tries" not in unlimited
    # More options from REMODEL_PT_OSC_ARGS go before the DSN, after ours (they win).
    extra = command("pt-osc", URL, "shop", "t", "X", policy, None, "--chunk-time 2 --dry-run")
    assert extra[-4:-1] == ["--chunk-time", "2", "--dry-run"]


def test_the_program_is_found_or_said_missing(tmp_path: Path) -> None:
    missing = find_program({"REMODEL_PT_OSC": str(tmp_path / "nope")})
    assert missing.path is None and "REMODEL_PT_OSC names" in missing.missing
    fake = tmp_path / "my-ptosc"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    assert find_program({"REMODEL_PT_OSC": str(fake)}).path == str(fake)
    not_on_path = find_program({"PATH": str(tmp_path)})
    if not_on_path.path is None:
        assert "not installed" in not_on_path.missing


@pytest.mark.parametrize(
    ("line", "percent", "left"),
    [
        ("Copying `shop`.`orders`:  45% 00:12 remain\n", "45", "00:12"),
        ("Copying `a b`.`c`:   3% 01:02:03 remain", "3", "01:02:03"),
    ],
)
def test_progress_lines_are_read(line: str, percent: str, left: str) -> None:
    found = _PROGRESS.match(line)
    assert found is not None and found.group(2) == percent and found.group(3) == left


def test_the_failure_message_is_its_error_line() -> None:
    output = deque([
        "No slaves found.  See --recursion-method if host vm has slaves.",
        "Created new table shop._t_new OK.",
        "2026-12-06T03:05:24 Dropped new table OK.",
        "`shop`.`t` was not altered.",
        "\t(in cleanup) 2026-12-06T03:05:24 Error copying rows: Threads_running=9 exceeds "
        "its critical threshold 1",
        "2026-12-06T03:05:24 Error copying rows: Threads_running=9 exceeds its critical "
        "threshold 1",
        "mysql://app:hunter2@db/shop",
    ])
    said = _message(output)
    assert said == "Error copying rows: Threads_running=9 exceeds its critical threshold 1"
    assert "hunter2" not in _message(deque(["Cannot connect to mysql://app:hunter2@db/shop"]))


def test_a_ptosc_entry_names_its_table() -> None:
    entry = entry_for("ALTER TABLE `shop`.`ord``ers` MODIFY n BIGINT")
    assert table_of_entry(entry) == ("shop", "ord`ers")
    assert table_of_entry(entry + "\n-- remodel: in flight: sent") == ("shop", "ord`ers")
    assert table_of_entry("ALTER TABLE t MODIFY n BIGINT") is None


def test_the_in_place_form_of_a_copied_alter_is_recognised() -> None:
    from flask_remodel.deploy.copy_leftovers import is_in_place_form

    entry = entry_for("ALTER TABLE `shop`.`big` MODIFY n BIGINT NOT NULL")
    assert is_in_place_form(entry, "ALTER TABLE big MODIFY n BIGINT NOT NULL, "
                                   "ALGORITHM=INPLACE, LOCK=NONE")
    assert is_in_place_form(entry, "ALTER TABLE `big` MODIFY  n BIGINT NOT NULL,"
                                   " ALGORITHM=INPLACE, LOCK=NONE")
    # Another clause, another table, or not the in-place form: a different statement.
    assert not is_in_place_form(entry, "ALTER TABLE big MODIFY n INT NOT NULL, "
                                       "ALGORITHM=INPLACE, LOCK=NONE")
    assert not is_in_place_form(entry, "ALTER TABLE other MODIFY n BIGINT NOT NULL, "
                                       "ALGORITHM=INPLACE, LOCK=NONE")
    assert not is_in_place_form(entry, "ALTER TABLE big MODIFY n BIGINT NOT NULL")
    assert not is_in_place_form("ALTER TABLE big MODIFY n BIGINT NOT NULL",
                                "ALTER TABLE big MODIFY n BIGINT NOT NULL, "
                                "ALGORITHM=INPLACE, LOCK=NONE")
