"""The rules behind the notes and matches, without a database."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.dialects import postgresql

from flask_remodel.autogenerate.constraints import normalised_sql
from flask_remodel.autogenerate.narrowing import narrowing
from flask_remodel.autogenerate.renames import family


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        (sa.String(100), sa.String(20), "strings longer than 20 characters (was 100)"),
        (sa.Text(), sa.String(200), "strings longer than 200 characters (was unlimited)"),
        (sa.BigInteger(), sa.Integer(), "values may not fit"),
        (postgresql.INTEGER(), sa.SmallInteger(), "values may not fit"),
        (mysql.INTEGER(display_width=11), mysql.TINYINT(), "values may not fit"),
        (sa.Numeric(10, 4), sa.Numeric(10, 2), "digits after the point beyond 2"),
        (sa.Numeric(12, 2), sa.Numeric(8, 2), "more than 8 digits"),
        (sa.String(20), sa.Integer(), "may not convert"),
        (sa.DateTime(), sa.Date(), "may not convert"),
        (sa.Integer(), sa.Boolean(), "other than 0 and 1"),
        (mysql.ENUM("a", "b", "c"), sa.Enum("a", "b"), "values c are no longer allowed"),
    ],
)
def test_narrowing_changes_say_why(old: sa.types.TypeEngine, new: sa.types.TypeEngine,
                                   reason: str) -> None:
    found = narrowing(old, new)
    assert found is not None and reason in found


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (sa.String(20), sa.String(100)),
        (sa.String(20), sa.Text()),
        (sa.Integer(), sa.BigInteger()),
        (sa.SmallInteger(), postgresql.INTEGER()),
        (sa.Numeric(10, 2), sa.Numeric(12, 4)),
        (sa.Integer(), sa.Numeric(12, 2)),
        (sa.Date(), sa.DateTime()),
        (sa.Boolean(), sa.Integer()),
        (sa.Integer(), sa.Text()),
        (sa.Enum("a", "b"), mysql.ENUM("a", "b", "c")),
    ],
)
def test_widening_changes_are_not_data_loss(old: sa.types.TypeEngine,
                                            new: sa.types.TypeEngine) -> None:
    assert narrowing(old, new) is None


def test_rename_candidates_share_a_family() -> None:
    assert family(mysql.TINYINT()) == family(sa.Boolean()) == family(sa.BigInteger())
    assert family(sa.Text()) == family(sa.Enum("a")) == family(sa.String(3))
    assert family(sa.Date()) != family(sa.DateTime())
    assert family(sa.Integer()) != family(sa.String(3))


@pytest.mark.parametrize(
    ("reflected", "declared"),
    [
        ("(age >= 0)", "age >= 0"),                         # PostgreSQL
        ("((price > (0)::numeric))", "price > 0"),          # PostgreSQL with a cast
        ("`age` >= 0", "age >= 0"),                         # MariaDB
        ("((a > 0) AND (b < 5))", "a > 0 and b < 5"),
    ],
)
def test_check_sql_matches_as_databases_spell_it(reflected: str, declared: str) -> None:
    assert normalised_sql(reflected) == normalised_sql(declared)


def test_check_sql_differs_when_the_expression_does() -> None:
    assert normalised_sql("(age >= 0)") != normalised_sql("age >= 18")
