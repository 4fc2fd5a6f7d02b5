"""A downgrade that leaves a PostgreSQL enum type behind is named as such.

Otherwise the next upgrade fails with "type ... already exists", and the
report points at the upgrade instead of the downgrade that caused it.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from flask_remodel.testing.schema import differences
from flask_remodel.testing.schema import snapshot


@pytest.mark.backends("postgresql")
def test_enum_type_left_behind_or_missing_is_a_difference(database_url: str) -> None:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            with connection.begin():
                connection.exec_driver_sql("CREATE TYPE mood AS ENUM ('happy', 'sad')")
            before = snapshot(connection)
            with connection.begin():
                connection.exec_driver_sql("CREATE TYPE colour AS ENUM ('red')")
                connection.exec_driver_sql("ALTER TYPE mood ADD VALUE 'calm'")
            after = snapshot(connection)
            with connection.begin():
                connection.exec_driver_sql("DROP TYPE mood")
            dropped = snapshot(connection)
    finally:
        engine.dispose()
    # A value added and left in place is not reported: PostgreSQL cannot drop one.
    assert differences(before, after) == ["enum type colour is left behind"]
    assert differences(after, dropped) == ["enum type mood is missing"]


def test_other_databases_have_no_enum_types_to_compare(database_url: str) -> None:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            with connection.begin():
                connection.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY)")
            shot = snapshot(connection)
    finally:
        engine.dispose()
    assert list(shot) == ["t"]
