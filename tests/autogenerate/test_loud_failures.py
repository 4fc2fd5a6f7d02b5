"""Changes that cannot keep every value fail loudly instead of losing it quietly."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from support import AppFactory
from support import insert_rows
from support import table_rows

from .harness import col
from .harness import declare
from .harness import pk


def _migrated(make_app: AppFactory, url: str, old: object, new: object,
              rows: list[dict[str, object]]) -> tuple[object, str]:
    before = make_app(declare(old))  # type: ignore[arg-type]
    for args in (("init",), ("migrate", "-m", "old"), ("upgrade",)):
        assert before.cli(*args).exit_code == 0
    insert_rows(url, "user", *rows)
    after = make_app(declare(new))  # type: ignore[arg-type]
    made = after.cli("migrate", "-m", "change", "--no-input")
    assert made.exit_code == 0, made.output
    return after, made.output


def test_a_string_too_long_for_the_narrowed_column_is_refused_not_cut(
    make_app: AppFactory, database_url: str, backend: str
) -> None:
    long_name = "x" * 30
    after, output = _migrated(
        make_app, database_url,
        lambda: {"user": [pk(), col("username", sa.String(100))]},
        lambda: {"user": [pk(), col("username", sa.String(20))]},
        [{"id": 1, "username": long_name}],
    )
    assert "WARNING data loss: user.username: strings longer than 20" in output
    upgrade = after.cli("upgrade")  # type: ignore[attr-defined]
    if backend == "sqlite":
        # SQLite does not enforce lengths: the value stays whole.
        assert upgrade.exit_code == 0, upgrade.output
    else:
        assert upgrade.exit_code == 1
        assert "failed" in upgrade.output
    assert table_rows(database_url, "user", "id", "username") == [(1, long_name)]


@pytest.mark.backends("postgresql", "mariadb")
def test_a_removed_enum_value_still_in_rows_is_refused(
    make_app: AppFactory, database_url: str
) -> None:
    def moods(*values: str) -> dict[str, list[object]]:
        return {"user": [pk(), sa.Column("mood", sa.Enum(*values, name="mood"))]}

    after, output = _migrated(
        make_app, database_url, lambda: moods("happy", "sad"), lambda: moods("happy"),
        [{"id": 1, "mood": "happy"}, {"id": 2, "mood": "sad"}],
    )
    assert "WARNING data loss:" in output and "sad" in output
    upgrade = after.cli("upgrade")  # type: ignore[attr-defined]
    assert upgrade.exit_code == 1
    assert table_rows(database_url, "user", "id", "mood") == [(1, "happy"), (2, "sad")]
