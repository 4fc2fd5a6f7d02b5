"""``REMODEL_FLEET``: what it accepts, and the one clear error for what it does not."""

from __future__ import annotations

from typing import Any

import pytest

import flask_remodel
from flask_remodel import FleetDeclarationError
from flask_remodel import FleetTarget
from flask_remodel.errors import SettingsError
from support import table_names

pytestmark = pytest.mark.backends("sqlite")


def _targets(make_app, fleet: Any) -> list[FleetTarget]:
    made = make_app(None, config={"REMODEL_FLEET": fleet})
    with made.app.app_context():
        return flask_remodel.fleet_targets()


def test_urls_schemas_and_a_function(make_app, tmp_path) -> None:
    a, b = f"sqlite:///{tmp_path}/a.db", f"sqlite:///{tmp_path}/b.db"
    assert _targets(make_app, {"a": a, "b": {"url": b}}) == [
        FleetTarget("a", a), FleetTarget("b", b),
    ]
    pg = "postgresql://u:secret@host/app"
    found = _targets(make_app, lambda: {"t1": {"url": pg, "schema": "t1"},
                                        "t2": {"url": pg, "schema": "t2"}})
    assert found == [FleetTarget("t1", pg, "t1"), FleetTarget("t2", pg, "t2")]
    assert "secret" not in found[0].where() and "schema t1" in found[0].where()
    made = make_app(None, config={"REMODEL_FLEET": {"a": a}})
    with made.app.app_context():
        assert flask_remodel.fleet_targets(["a"]) == [FleetTarget("a", a)]


@pytest.mark.parametrize(("fleet", "says"), [
    (None, "declares no fleet"),
    ({"t": {"schema": "tenant"}}, "schemas are only for PostgreSQL and its database is sqlite"),
    ({"t": {"url": "sqlite:///x.db", "schema": "tenant"}}, "schemas are only for PostgreSQL"),
    ({"a": "sqlite:////tmp/same.db", "b": "sqlite:////tmp/same.db"},
     "targets 'a' and 'b' are the same database"),
    (lambda: [FleetTarget("a", "sqlite:////tmp/1.db"), FleetTarget("a", "sqlite:////tmp/2.db")],
     "the target name 'a' is declared twice"),
    (lambda: {}, "the fleet is empty"),
    ({"a b": "sqlite:////tmp/1.db"}, "may hold only letters"),
    ({"a": {"url": "sqlite:////tmp/1.db", "database": "x"}}, "unknown keys ['database']"),
    ({"a": 42}, "target 'a' is a int"),
    ({"a": "not a url"}, "is not a database URL"),
    ({"a": {"url": "postgresql://h/db", "schema": "drop table"}}, "not a usable schema name"),
    ({"a": "postgresql+asyncpg://h/db"}, "uses the async driver asyncpg"),
])
def test_bad_declarations(make_app, fleet: Any, says: str) -> None:
    with pytest.raises(FleetDeclarationError) as caught:
        _targets(make_app, fleet)
    assert says in str(caught.value)
    assert str(caught.value).startswith("REMODEL_FLEET: ")
    assert caught.value.exit_code == 3


def test_a_function_that_raises(make_app) -> None:
    def tenants() -> dict[str, str]:
        raise RuntimeError("the tenant registry is down")

    with pytest.raises(FleetDeclarationError) as caught:
        _targets(make_app, tenants)
    assert "tenants() raised RuntimeError: the tenant registry is down" in str(caught.value)


@pytest.mark.parametrize("fleet", [{}, "sqlite:///x.db", 3])
def test_wrong_shape_is_a_settings_error(make_app, fleet: Any) -> None:
    with pytest.raises(SettingsError) as caught:
        _targets(make_app, fleet)
    assert "REMODEL_FLEET" in str(caught.value)


def test_cli_bad_declaration_is_one_line_and_runs_nothing(make_app, tmp_path) -> None:
    made = make_app(None, config={"REMODEL_FLEET": {"t": {"schema": "tenant"}}})
    made.ok("init")
    made.ok("revision", "-m", "first")
    for command in (["upgrade", "--fleet"], ["status", "--fleet"], ["current", "--fleet"]):
        result = made.cli(*command)
        assert result.exit_code == 3, result.output
        assert "REMODEL_FLEET: target 't' names schema 'tenant'" in result.output
        assert "Traceback" not in result.output
    assert "alembic_version" not in table_names(made.database_url)


def test_fleet_only_options_need_fleet(make_app) -> None:
    made = make_app(None)
    made.ok("init")
    result = made.cli("upgrade", "--resume")
    assert result.exit_code == 2 and "only go with --fleet" in result.output
    result = made.cli("upgrade", "--fleet", "--sql")
    assert result.exit_code == 2 and "--fleet does not take --sql" in result.output


def test_requests_a_fleet_cannot_run(make_app, tmp_path) -> None:
    made = make_app(None, config={"REMODEL_FLEET": {"a": f"sqlite:///{tmp_path}/a.db"}})
    made.ok("init")
    made.ok("revision", "-m", "first")

    result = made.cli("upgrade", "--fleet", "+1")
    assert result.exit_code == 2, result.output
    assert "--fleet needs a revision every target ends at, not '+1'" in result.output
    result = made.cli("upgrade", "--fleet", "--targets", ",")
    assert result.exit_code == 2 and "--targets names no target" in result.output

    # An env.py that connects by itself would ignore the target: refused before anything runs.
    (made.migrations_dir / "env.py").write_text("raise SystemExit('env.py must not run')\n")
    result = made.cli("upgrade", "--fleet")
    assert result.exit_code == 2, result.output
    assert "does not call flask_remodel.environment.run_migrations()" in result.output
    assert not (tmp_path / "a.db").exists()


def test_an_app_with_several_binds_is_refused(make_app, make_database, tmp_path) -> None:
    made = make_app(
        None, binds={"other": make_database("other")},
        config={"REMODEL_FLEET": {"a": f"sqlite:///{tmp_path}/a.db"}},
    )
    made.ok("init", "--multidb")
    result = made.cli("upgrade", "--fleet")
    assert result.exit_code == 2, result.output
    assert "this app has several binds" in result.output
    assert not (tmp_path / "a.db").exists()
