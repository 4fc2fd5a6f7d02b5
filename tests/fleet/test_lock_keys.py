"""The PostgreSQL deploy lock's key: one per tenant schema in a fleet run, unchanged otherwise."""

from __future__ import annotations

import sqlalchemy as sa

from flask_remodel.dialects.postgresql import ADVISORY_LOCK_KEY
from flask_remodel.dialects.postgresql import advisory_lock_key
from flask_remodel.retarget import retargeted


def test_each_fleet_schema_has_its_own_key() -> None:
    engine = sa.create_engine("postgresql://u@h/db")
    keys = set()
    for schema in ("tenant_a", "tenant_b", "tenant_c"):
        with retargeted(engine, schema):
            key = advisory_lock_key(schema)
        assert 0 < key < 2**63 and key != ADVISORY_LOCK_KEY  # a bigint PostgreSQL takes
        keys.add(key)
    assert len(keys) == 3
    with retargeted(engine, "tenant_a"):
        assert advisory_lock_key("tenant_a") in keys  # the same key every time


def test_outside_a_fleet_the_key_is_the_one_every_release_used() -> None:
    # An app that sets version_table_schema itself keeps sharing its lock with
    # instances of older releases.
    assert advisory_lock_key(None) == ADVISORY_LOCK_KEY
    assert advisory_lock_key("app_schema") == ADVISORY_LOCK_KEY
    with retargeted(sa.create_engine("postgresql://u@h/db")):  # a URL target: no schema
        assert advisory_lock_key(None) == ADVISORY_LOCK_KEY
