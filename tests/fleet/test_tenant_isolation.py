"""PostgreSQL schema targets: each tenant's tables, version row, ledger and lock row stay
in its own schema, and the public schema is untouched."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from support import rows

from .conftest import Fleet

pytestmark = pytest.mark.backends("postgresql")

OWN = {"applied_log", "t_1", "t_2", "t_3", "alembic_version", "remodel_ledger", "remodel_lock"}


def _schemas(url: str) -> dict[str, set[str]]:
    engine = sa.create_engine(url)
    try:
        inspector = sa.inspect(engine)
        return {
            schema: set(inspector.get_table_names(schema=schema))
            for schema in inspector.get_schema_names()
            if schema not in ("information_schema",) and not schema.startswith("pg_")
        }
    finally:
        engine.dispose()


def test_nothing_leaks_between_tenants(fleet_factory) -> None:
    fleet: Fleet = fleet_factory(("alpha", "beta", "gamma"))
    fleet.add_tables(3)
    assert _schemas(fleet.url) == {"public": set()}

    code, report = fleet.json("upgrade", "--fleet", "--parallel", "3", "--canary", "0")
    assert code == 0, report

    assert _schemas(fleet.url) == {
        "public": set(), "tenant_alpha": OWN, "tenant_beta": OWN, "tenant_gamma": OWN,
    }
    for place in fleet.places.values():
        assert place.version() == ["r3"]
        assert place.log() == {"r1": 1, "r2": 1, "r3": 1}
        assert [r for r, _ in place.ledger()] == ["r1", "r2", "r3"]
        # The lock's row was removed when the run let go, in the tenant's own table.
        assert place.rows(f"SELECT * FROM {place.table('remodel_lock')}") == []
    assert rows(fleet.url, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND "
                "database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                ) == [(0,)]

    # A tenant with one more revision run on it alone changes nothing of the others.
    fleet.add_tables(1)
    code, one = fleet.json("upgrade", "--fleet", "--targets", "beta")
    assert code == 0, one
    assert fleet.places["beta"].version() == ["r4"]
    assert "t_4" in fleet.places["beta"].tables()
    for name in ("alpha", "gamma"):
        assert fleet.places[name].version() == ["r3"]
        assert "t_4" not in fleet.places[name].tables()
        assert len(fleet.places[name].ledger()) == 3
    assert _schemas(fleet.url)["public"] == set()

    # The app's own database, upgraded the ordinary way, is the public schema's business.
    plain = fleet.run("upgrade")
    assert plain.returncode == 0, plain.stderr
    assert {"applied_log", "alembic_version", "remodel_ledger"} <= _schemas(fleet.url)["public"]
    assert [r for (r,) in rows(fleet.url, "SELECT revision FROM public.applied_log")] == [
        "r1", "r2", "r3", "r4"
    ]
    assert len(fleet.places["alpha"].ledger()) == 3
