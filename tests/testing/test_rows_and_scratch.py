"""Generated rows, scratch databases and irreversible revisions, on every backend."""

from __future__ import annotations

import datetime
import decimal
import enum
import warnings
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from example_projects import REVISIONS
from example_projects import load_app
from example_projects import write_project

from flask_remodel.testing import RowGenerator
from flask_remodel.testing import check_data_kept
from flask_remodel.testing import check_up_down_up
from flask_remodel.testing import check_upgrade
from flask_remodel.testing import connected_runner
from flask_remodel.testing import scratch_database
from support import database_exists
from support import engine_for


class Colour(enum.Enum):
    red = "red"
    blue = "blue"


def _schema() -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table(
        "parent", metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(8), nullable=False, unique=True),
        sa.Column("note", sa.String(20), nullable=True),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("price", sa.Numeric(5, 2), nullable=False),
        sa.Column("seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date, nullable=True),
        sa.Column("colour", sa.Enum(Colour, name="colour"), nullable=False),
        sa.Column("body", sa.Text, nullable=True),
        sa.Column("manager_id", sa.Integer, sa.ForeignKey("parent.id"), nullable=True),
    )
    sa.Table(
        "child", metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("parent_code", sa.String(8), sa.ForeignKey("parent.code"), nullable=False),
        sa.Column("rank", sa.SmallInteger, nullable=False),
    )
    # A natural composite key: the generator must supply both parts, distinct.
    sa.Table(
        "tag", metadata,
        sa.Column("child_id", sa.Integer, sa.ForeignKey("child.id"), primary_key=True),
        sa.Column("label", sa.String(3), primary_key=True),
    )
    return metadata


def _seeded(url: str, seed: int, rounds: int) -> dict[str, list[dict[str, object]]]:
    with engine_for(url) as engine:
        _schema().create_all(engine)
        generator = RowGenerator(seed=seed)
        with engine.connect() as connection:
            for _ in range(rounds):
                result = generator.seed_database(connection)
                assert result.skipped == {}
                assert result.inserted == {"parent": 3, "child": 3, "tag": 3}
        found = {}
        with engine.connect() as connection, warnings.catch_warnings():
            # SQLAlchemy 1.4 warns that SQLite stores Numeric as float when reading it back.
            warnings.filterwarnings("ignore", "Dialect sqlite.*Decimal", sa.exc.SAWarning)
            for name in ("parent", "child", "tag"):
                table = sa.Table(name, sa.MetaData(), autoload_with=connection)
                query = sa.select(table).order_by(*table.primary_key.columns)
                found[name] = [dict(r._mapping) for r in connection.execute(query)]
        return found


def test_rows_fit_types_nullability_uniqueness_and_foreign_keys(
    backend: str, database_url: str
) -> None:
    found = _seeded(database_url, seed=7, rounds=2)
    parents, children = found["parent"], found["child"]
    assert len(parents) == 6 and len(children) == 6 and len(found["tag"]) == 6
    assert len({p["code"] for p in parents}) == 6
    assert all(len(p["code"]) <= 8 for p in parents)
    assert all(isinstance(p["price"], decimal.Decimal) for p in parents)
    assert all(isinstance(p["seen"], datetime.datetime) for p in parents)
    if backend == "sqlite":  # a plain VARCHAR there: only its length is known
        assert all(len(p["colour"]) <= 4 for p in parents)
    else:
        assert {p["colour"] for p in parents} == {"red", "blue"}
    # The second row of each batch has NULL in the plain nullable columns.
    assert [p["note"] is None for p in parents] == [False, True, False] * 2
    assert [p["body"] is None for p in parents] == [False, True, False] * 2
    # Self-references can only be NULL while the table is empty, then point at rows.
    assert all(p["manager_id"] is None for p in parents[:3])
    ids = {p["id"] for p in parents}
    assert all(p["manager_id"] in ids for p in parents[3:])
    codes = {p["code"] for p in parents}
    assert all(c["parent_code"] in codes for c in children)
    assert len({(t["child_id"], t["label"]) for t in found["tag"]}) == 6


def test_same_seed_same_rows(
    database_url: str, make_database: Callable[..., str]
) -> None:
    assert _seeded(database_url, seed=3, rounds=1) == _seeded(make_database(), seed=3, rounds=1)


def test_scratch_database_is_created_and_dropped(backend: str, database_url: str) -> None:
    with scratch_database(database_url) as url:
        assert url.database != sa.engine.make_url(database_url).database
        with engine_for(str(url.render_as_string(hide_password=False))) as engine:
            with engine.begin() as connection:
                connection.execute(sa.text("CREATE TABLE probe (id INTEGER PRIMARY KEY)"))
        kept = url.render_as_string(hide_password=False)
    assert not database_exists(backend, kept)
    if backend == "sqlite":
        assert not Path(url.database or "").parent.exists()


def test_scratch_database_is_dropped_after_an_error(backend: str, database_url: str) -> None:
    kept = ""
    try:
        with scratch_database(database_url) as url:
            kept = url.render_as_string(hide_password=False)
            raise KeyError("boom")
    except KeyError:
        pass
    assert kept and not database_exists(backend, kept)


def test_downgrade_of_an_irreversible_revision_stops_with_its_reason(
    tmp_path: Path, database_url: str
) -> None:
    app = load_app(write_project(tmp_path), database_url)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    result = runner.invoke(args=["db", "downgrade"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == (
        "Error: This revision cannot be downgraded: the bios were deleted. Restore a backup "
        "taken before the upgrade, or write a downgrade() for it."
    )
    assert f"{REVISIONS[5]} (head)" in runner.invoke(args=["db", "current"]).output
    with app.app_context():
        found = app.extensions["sqlalchemy"]
        getattr(found, "db", found).engine.dispose()


def test_the_not_null_fault_needs_the_generated_rows_to_show(
    tmp_path: Path, database_url: str
) -> None:
    app = load_app(write_project(tmp_path, "fails on existing rows"), database_url)
    with app.app_context():
        with scratch_database(database_url) as url, connected_runner(url) as runner:
            upgrades = check_upgrade(runner)
            assert upgrades.ok and {r.check for r in upgrades.results} == {"upgrade"}
            assert len(upgrades.results) == len(REVISIONS)
            assert check_up_down_up(runner).ok  # an empty database hides it
        with scratch_database(database_url) as url, connected_runner(url) as runner:
            report = check_data_kept(runner)
        found = app.extensions["sqlalchemy"]
        getattr(found, "db", found).engine.dispose()
    assert [(r.revision, r.operation) for r in report.failures] == [(REVISIONS[4], "upgrade")]
    assert report.not_run == 1
