"""One catalogue case end to end: old schema, rows, new models, migrate, upgrade, downgrade.

A case names its old and new models as tables (``{"user": [columns...]}``,
built fresh for each app), the rows to insert, the ``migrate`` options, and
what the rows look like after the upgrade when that differs from before.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import sqlalchemy as sa

from support import AppFactory
from support import MadeApp
from support import engine_for
from support import execute
from support import insert_rows
from support import table_names
from support import table_rows

Schema = Callable[[], Mapping[str, Sequence[Any]]]
"""Returns {table name: columns and constraints}, new objects on each call."""
Rows = Mapping[str, Sequence[Mapping[str, Any]]]

ALL = ("sqlite", "postgresql", "mariadb")


@dataclass(frozen=True)
class Case:
    id: str
    old: Schema
    new: Schema
    rows: Rows = field(default_factory=dict)
    flags: tuple[str, ...] = ()
    after: Rows | None = None
    """Rows expected after the upgrade (default: ``rows`` of the tables still there)."""
    script_has: tuple[str, ...] = ()
    script_has_on: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Text the script holds on one backend only (backend -> texts)."""
    script_lacks: tuple[str, ...] = ()
    summary_has: tuple[str, ...] = ()
    summary_has_on: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    restores_rows: bool = True
    """Whether the downgrade brings every row and value back."""
    empty: bool = False
    """The change must produce no migration at all (no spurious difference)."""
    then_insert: Rows = field(default_factory=dict)
    """Rows only the new schema accepts, inserted after the upgrade (and deleted again)."""
    empty_on: tuple[str, ...] = ()
    """Backends on which the change is no change (nothing to migrate)."""
    backends: tuple[str, ...] = ALL


def pk() -> sa.Column[Any]:
    return sa.Column("id", sa.Integer, primary_key=True, autoincrement=False)


def col(name: str, type_: Any = None, **kw: Any) -> sa.Column[Any]:
    return sa.Column(name, type_ if type_ is not None else sa.String(50), **kw)


def declare(schema: Schema) -> Callable[[Any], None]:
    def define(db: Any) -> None:
        for name, items in schema().items():
            db.Table(name, *items)

    return define


def _ok(made: MadeApp, *args: str) -> str:
    result = made.cli(*args)
    assert result.exit_code == 0, (args, result.output, result.exception)
    return result.output


def _check_rows(url: str, expected: Rows) -> None:
    present = set(table_names(url))
    for table, wanted in expected.items():
        assert table in present, f"table {table} is gone"
        if not wanted:
            continue
        names = list(wanted[0])
        got = table_rows(url, table, *names)
        assert got == [tuple(row[n] for n in names) for row in wanted], (table, got)


def schema_diffs(made: MadeApp, url: str) -> list[object]:
    """What autogenerate finds between *made*'s models and the database, at any revision.

    ``flask db check`` refuses a database that is not at head; after a
    downgrade the old models are compared here, with the settings the
    environment uses.
    """
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from flask_remodel.autogenerate import plugin_names
    from flask_remodel.comparators import server_default_comparison
    from flask_remodel.deploy.tables import exclude_own_tables

    metadata = made.db.metadata
    with engine_for(url) as engine, engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "compare_server_default": server_default_comparison(engine.dialect.name),
                "target_metadata": metadata,
                "autogenerate_plugins": plugin_names(),
                # as the environment does: the deploy ledger and lock are not the app's
                "include_name": exclude_own_tables(None),
            },
        )
        return list(compare_metadata(context, metadata))


def quoted(url: str, name: str) -> str:
    with engine_for(url) as engine:
        return str(engine.dialect.identifier_preparer.quote_identifier(name))


def run_case(case: Case, make_app: AppFactory, url: str, backend: str) -> None:
    old = make_app(declare(case.old))
    _ok(old, "init")
    _ok(old, "migrate", "-m", "old schema", "--no-input")
    _ok(old, "upgrade")
    for table, values in case.rows.items():
        if values:
            insert_rows(url, table, *values)

    new = make_app(declare(case.new))
    # --no-renames: a case's drop beside an add is a drop unless it says --rename.
    output = _ok(new, "migrate", "-m", "change", "--no-input", "--no-renames", *case.flags)
    if case.empty or backend in case.empty_on:
        assert "No changes in schema detected." in output, output
        return
    text = new.script("change").read_text()
    for expected in (*case.script_has, *case.script_has_on.get(backend, ())):
        assert expected in text, (expected, text)
    for unwanted in case.script_lacks:
        assert unwanted not in text, (unwanted, text)
    for expected in (*case.summary_has, *case.summary_has_on.get(backend, ())):
        assert expected in output, (expected, output)
    _ok(new, "upgrade")
    _ok(new, "check")
    new_tables = set(case.new())
    after = case.after if case.after is not None else {
        t: v for t, v in case.rows.items() if t in new_tables
    }
    _check_rows(url, after)
    for table, values in case.then_insert.items():
        insert_rows(url, table, *values)
        ids = ", ".join(str(row["id"]) for row in values)
        execute(url, f"DELETE FROM {quoted(url, table)} WHERE id IN ({ids})")

    _ok(new, "downgrade")
    assert schema_diffs(old, url) == []
    if case.restores_rows:
        _check_rows(url, case.rows)
    _ok(new, "upgrade")  # and forward again, over whatever the downgrade left
    _ok(new, "check")
