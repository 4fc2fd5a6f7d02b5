"""The app's ``SQLALCHEMY_ENGINE_OPTIONS`` reach each fleet target's engine."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.engine import make_url

from flask_remodel.fleet.engine_options import target_engine_options

from .conftest import Fleet
from .conftest import Place

# Each backend's way to set a session variable at connect time, and to read it back.
PROBES = {
    "postgresql": (
        {"options": "-c remodel.probe=fleet-ok -c search_path=public"},
        "current_setting('remodel.probe')",
    ),
    "mariadb": ({"init_command": "SET @remodel_probe = 'fleet-ok'"}, "@remodel_probe"),
}

PROBE_REVISION = '''
dialect = op.get_bind().dialect.name
if dialect == "postgresql":
    op.execute("INSERT INTO applied_log (revision) VALUES (current_setting('remodel.probe'))")
    op.execute("INSERT INTO applied_log (revision) VALUES (current_setting('search_path'))")
elif dialect == "mysql":
    op.execute("INSERT INTO applied_log (revision) VALUES (@remodel_probe)")
'''


def test_app_engine_options_apply_to_each_target(
    fleet_factory, backend: str, tmp_path: Path
) -> None:
    fleet: Fleet = fleet_factory(("alpha", "beta"))
    # A SQLite file too: on the server backends its driver is not the app's, so the
    # app's connect_args (psycopg's options, PyMySQL's init_command) must not reach it.
    local = f"sqlite:///{tmp_path / 'local.db'}"
    fleet.declared["local"] = local
    fleet.places["local"] = Place(local, None)
    fleet.add_tables(1)
    fleet.add(PROBE_REVISION)
    options: dict[str, object] = {"pool_pre_ping": True}
    if backend != "sqlite":
        # The app's pool sizing is not passed on to a target (a SQLite file there
        # would refuse it). Not on SQLite: SQLAlchemy 1.4 gives the app's own
        # SQLite engine no pool to size, and the app itself would not start.
        options["pool_size"] = 3
    if backend in PROBES:
        options["connect_args"] = PROBES[backend][0]
    engine_options = json.dumps(options)

    code, report = fleet.json(
        "upgrade", "--fleet", "--parallel", "2", REMODEL_TEST_ENGINE_OPTIONS=engine_options
    )
    assert code == 0, report
    assert [t["state"] for t in report["targets"]] == ["done"] * 3

    for name in ("alpha", "beta"):
        log = fleet.places[name].log()
        assert log["r1"] == 1 and log["r2"] == 1
        if backend in PROBES:
            assert log.get("fleet-ok") == 1, log  # the app's connect_args ran on the target
        if backend == "postgresql":
            # The app's options also set search_path=public: the tenant's schema still wins,
            # and the app's other setting (remodel.probe) is kept beside it.
            assert log.get(f"tenant_{name}") == 1, log
    assert fleet.places["local"].log() == {"r1": 1, "r2": 1}

    code, status = fleet.json("status", "--fleet", REMODEL_TEST_ENGINE_OPTIONS=engine_options)
    assert code == 0
    assert [row["state"] for row in status["targets"]] == ["up to date"] * 3


def test_which_options_a_target_takes() -> None:
    app_url = make_url("postgresql+psycopg://app@db1/main")
    options = {
        "url": "postgresql+psycopg://app@db1/other", "creator": object(),
        "pool_size": 5, "max_overflow": 2, "pool_timeout": 3, "pool_use_lifo": True,
        "poolclass": object, "pool_pre_ping": True, "pool_recycle": 60, "echo": True,
        "isolation_level": "READ COMMITTED", "connect_args": {"options": "-c x.y=1"},
    }
    same = target_engine_options(options, app_url, make_url("postgresql+psycopg://a@db2/t"))
    assert same == {
        "pool_pre_ping": True, "pool_recycle": 60, "echo": True,
        "isolation_level": "READ COMMITTED", "connect_args": {"options": "-c x.y=1"},
    }
    # A copy: the schema target's engine must not change the app's own dict.
    assert same["connect_args"] is not options["connect_args"]
    other = target_engine_options(options, app_url, make_url("mysql+pymysql://a@db3/t"))
    assert "connect_args" not in other and other["pool_pre_ping"] is True
    assert target_engine_options(None, app_url, app_url) == {}
