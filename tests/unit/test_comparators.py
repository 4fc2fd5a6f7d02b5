from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from flask_remodel.comparators import compare_server_default


def compare(
    dialect: str, inspected: sa.Column, model: sa.Column, found: str | None, rendered: str | None
) -> bool | None:
    context = SimpleNamespace(dialect=SimpleNamespace(name=dialect))
    return compare_server_default(context, inspected, model, found, None, rendered)


@pytest.mark.parametrize(
    ("inspected", "rendered"),
    [
        ("current_timestamp()", "now()"),  # MariaDB gives back another spelling
        ("'0'", "false"),
        ("0", "'false'"),
        ("1", "true"),
        ("'abc'::character varying", "'abc'"),
        ("('x')", "'x'"),
    ],
)
def test_equivalent_defaults_are_not_a_change(inspected: str, rendered: str) -> None:
    column = sa.Column("c", sa.String)
    assert compare("mysql", column, column, inspected, rendered) is False


@pytest.mark.parametrize(("inspected", "rendered"), [("'1'", "'2'"), ("now()", "'2020-01-01'")])
def test_real_changes_are_left_to_alembic(inspected: str, rendered: str) -> None:
    column = sa.Column("c", sa.String)
    assert compare("mysql", column, column, inspected, rendered) is None


def test_identity_columns_are_not_compared_where_no_identity_is_reflected() -> None:
    column = sa.Column("id", sa.Integer, sa.Identity(), primary_key=True)
    reflected = sa.Column("id", sa.Integer, primary_key=True)
    for dialect in ("sqlite", "mysql"):
        assert compare(dialect, reflected, column, None, "x") is False
    # PostgreSQL reflects identity, so Alembic's own comparison stays in charge.
    assert compare("postgresql", reflected, column, None, "x") is None
