"""``flask db lint`` and the lint steps of ``migrate`` and ``upgrade``, end to end.

These run on SQLite, PostgreSQL and MariaDB: the default target comes from the
configured database, and "pending" from its version table.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa

from support.apps import AppFactory
from support.apps import MadeApp

from .conftest import write_revisions

SETUP = """
op.create_table("account", sa.Column("id", sa.Integer(), primary_key=True),
                sa.Column("email", sa.String(50)), sa.Column("legacy", sa.String(10)))
"""
UNSAFE = 'op.drop_column("account", "legacy")'
SAFE = 'op.add_column("account", sa.Column("nick", sa.String(20)))'


def _project(make_app: AppFactory, *bodies: str, **config: object) -> MadeApp:
    made = make_app(config=config or None)
    made.ok("init")
    write_revisions(made.migrations_dir, *bodies)
    return made


def _json(output: str) -> dict[str, object]:
    """The JSON document in *output* (stderr lines such as Alembic's may surround it)."""
    start = output.index("\n{") + 1 if not output.startswith("{") else 0
    data: dict[str, object] = json.loads(output[start : output.rindex("\n}") + 2])
    return data


def _target_name(backend: str) -> str:
    return {"postgresql": "postgresql", "mariadb": "mariadb", "sqlite": "sqlite"}[backend]


def test_lint_all_reports_the_call_site_and_exits_1(make_app: AppFactory, backend: str) -> None:
    made = _project(make_app, SETUP, UNSAFE)
    result = made.cli("lint", "--all")
    assert result.exit_code == 1, result.output
    assert "r1_step.py:10: error RM201 [drop-column]" in result.output
    assert "instead:" in result.output
    assert f"for {_target_name(backend)}" in result.output
    assert "finding(s) at or above 'error'" in result.output


def test_pending_revisions_only_by_default(make_app: AppFactory, backend: str) -> None:
    made = _project(make_app, SETUP, UNSAFE)
    made.ok("upgrade", "r0")
    result = made.cli("lint", "--format", "json")
    assert result.exit_code == 1
    data: Any = _json(result.output)
    assert data["revisions"] == ["r1"]
    # The target comes from the configured database, with its server version.
    name, _, version = data["target"].partition(":")
    assert name == backend and version[:1].isdigit()
    assert [f["rule"] for f in data["findings"] if f["severity"] == "error"] == ["RM201"]
    made.ok("upgrade")
    clean = made.ok("lint")
    assert "Checked 0 revision(s)" in clean.output


def test_acknowledged_and_baseline(make_app: AppFactory, backend: str) -> None:
    made = _project(make_app, SETUP, UNSAFE + "  # remodel: allow[RM201] unused since 2.0")
    assert "1 acknowledged" in made.ok("lint", "--all").output
    write_revisions(made.migrations_dir, SETUP, UNSAFE)  # the acknowledgement removed
    assert made.cli("lint", "--all").exit_code == 1
    assert made.cli("lint", "--all", "--baseline", "r1").exit_code == 0
    assert made.cli("lint", "--all", "--baseline", "r0").exit_code == 1


def test_bad_usage_exits_2_and_changes_nothing(make_app: AppFactory, backend: str) -> None:
    made = _project(make_app, SETUP, SAFE)
    result = made.cli("lint", "--all", "--target", "oracle")
    assert result.exit_code == 2
    assert "unknown target 'oracle'" in result.output
    assert made.cli("lint", "--all", "--disable", "RM999").exit_code == 2
    assert made.cli("lint", "nope:head").exit_code == 2
    assert made.cli("lint", "--all", "r1").exit_code == 2


def test_static_target_needs_no_database(make_app: AppFactory, backend: str) -> None:
    made = _project(make_app, SETUP, 'op.create_index("ix_e", "account", ["email"])')
    # An unreachable URL: static mode must not connect.
    for target, expected in (("postgresql:15", "RM101"), ("mariadb:10.11", None)):
        result = made.cli("lint", "--all", "--target", target, "--format", "json")
        data: Any = _json(result.output)
        rules = {f["rule"] for f in data["findings"]}
        assert (expected in rules) if expected else "RM101" not in rules
        assert data["target"] == target


def test_github_and_sarif_formats(make_app: AppFactory, backend: str) -> None:
    made = _project(make_app, SETUP, UNSAFE)
    github = made.cli("lint", "--all", "--format", "github").output
    assert "::error file=" in github and ",line=10,title=RM201 drop-column::" in github
    sarif = made.cli("lint", "--all", "--format", "sarif").output
    document: Any = _json(sarif)
    results = document["runs"][0]["results"]
    assert results[0]["ruleId"] == "RM201"
    assert results[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 10


def test_upgrade_warns_by_default_and_strict_stops(make_app: AppFactory, backend: str) -> None:
    made = _project(make_app, SETUP, UNSAFE)
    made.ok("upgrade", "r0")
    stopped = made.cli("upgrade", "--strict")
    assert stopped.exit_code == 1
    assert "RM201" in stopped.output and "stopped the upgrade" in stopped.output
    assert "legacy" in _columns(made, "account")  # nothing ran
    result = made.ok("upgrade")
    assert "RM201" in result.output
    assert "legacy" not in _columns(made, "account")


def test_remodel_lint_error_stops_upgrade(make_app: AppFactory, backend: str) -> None:
    made = _project(make_app, SETUP, REMODEL_LINT="error")
    write_revisions(made.migrations_dir, SETUP, UNSAFE, 'op.drop_table("account")')
    made.ok("upgrade", "r1")  # a fresh database: no rows to lose, nothing to lint
    assert "legacy" not in _columns(made, "account")
    result = made.cli("upgrade")
    assert result.exit_code == 1
    assert "RM202" in result.output
    assert "account" in sa.inspect(made.engines()[None]).get_table_names()


def test_migrate_prints_findings_of_the_new_script(make_app: AppFactory, backend: str) -> None:
    def models(db: object) -> None:
        from support.apps import add_table

        add_table(db, "account", sa.Column("id", sa.Integer, primary_key=True),
                  sa.Column("email", sa.String(50)))

    made = make_app(models)
    made.ok("init")
    made.ok("migrate", "-m", "first")
    made.ok("upgrade")

    def fewer(db: object) -> None:
        from support.apps import add_table

        add_table(db, "account", sa.Column("id", sa.Integer, primary_key=True))

    changed = make_app(fewer)
    result = changed.ok("migrate", "-m", "drop email")
    assert "RM201 [drop-column]" in result.output
    assert "account.email" in result.output


def _columns(made: MadeApp, table: str) -> set[str]:
    engine = made.engines()[None]
    return {c["name"] for c in sa.inspect(engine).get_columns(table)}


@pytest.mark.backends("sqlite")
def test_bad_remodel_lint_value(make_app: AppFactory, backend: str) -> None:
    made = _project(make_app, SETUP)
    made.app.config["REMODEL_LINT"] = "sometimes"
    for command in ("upgrade", "current", "lint"):  # not only the commands that lint
        result = made.cli(command)
        assert result.exit_code == 3
        assert "Error: REMODEL_LINT = 'sometimes' is not one of off, warn, error" in result.output


@pytest.mark.backends("sqlite")
def test_baseline_from_config(make_app: AppFactory, backend: str) -> None:
    made = _project(make_app, SETUP, UNSAFE, REMODEL_LINT_BASELINE="r1")
    assert made.ok("lint", "--all").output.startswith("Checked 0 revision(s)")
    assert made.cli("lint", "--all", "--baseline", "r0").exit_code == 1


@pytest.mark.backends("postgresql")
def test_pending_needs_the_database_and_says_how_to_do_without(
    make_app: AppFactory, database_url: str, backend: str
) -> None:
    unreachable = sa.engine.make_url(database_url).set(port=1, database="nowhere")
    made = make_app(database_url=unreachable.render_as_string(hide_password=False))
    made.ok("init")
    write_revisions(made.migrations_dir, SETUP, UNSAFE)
    result = made.cli("lint")
    assert result.exit_code == 4
    assert "pass --all or a revision range" in result.output
    static = made.cli("lint", "--all", "--target", "postgresql:15")
    assert static.exit_code == 1 and "RM201" in static.output


@pytest.mark.backends("sqlite")
def test_rules_switched_off_and_on_in_config(make_app: AppFactory, backend: str) -> None:
    made = _project(make_app, SETUP, UNSAFE + '\nop.add_column("account", sa.Column('
                    '"at", sa.DateTime()))', REMODEL_LINT_DISABLE="RM201, RM303",
                    REMODEL_LINT_ENABLE=["RM606"])
    result = made.ok("lint", "--all", "--target", "postgresql", "--enable", "RM604")
    assert "RM201" not in result.output and "RM303" not in result.output
    assert "RM604" in result.output  # from the command line
    bad = make_app(config={"REMODEL_LINT_DISABLE": ["RM999"]})  # same folder
    assert bad.cli("lint", "--all").exit_code == 2


PLAIN_ALEMBIC_ENV = '''from alembic import context
from flask import current_app

with current_app.extensions["migrate"].db.engine.connect() as connection:
    context.configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()
'''


def _timeout_rules(made: MadeApp, *args: str) -> set[str]:
    result = made.cli("lint", "--all", "--target", "postgresql", "--format", "json",
                      "--enable", "RM512", *args)
    found = _json(result.stdout)["findings"]
    assert isinstance(found, list)
    return {f["rule"] for f in found} & {"RM511", "RM512"}


def test_timeouts_the_env_py_sets_are_not_asked_of_each_revision(
    make_app: AppFactory, backend: str
) -> None:
    # Flask-Remodel's env.py sets lock_timeout (50 ms, retried) on every statement.
    made = _project(make_app, SETUP, SAFE)
    assert _timeout_rules(made) == {"RM512"}  # no statement timeout by default
    # and so does the script `upgrade --sql` writes (its first lines SET them),
    assert _timeout_rules(made, "--sql") == {"RM512"}
    # nor does a project that switched the timeouts off,
    off = make_app(config={"REMODEL_LOCK_TIMEOUT": 0})
    assert _timeout_rules(off) == {"RM511", "RM512"}
    both = make_app(config={"REMODEL_STATEMENT_TIMEOUT": 60_000})
    assert _timeout_rules(both) == set()
    # nor an env.py that configures Alembic itself (Flask-Migrate's, plain Alembic).
    (made.migrations_dir / "env.py").write_text(PLAIN_ALEMBIC_ENV)
    assert _timeout_rules(made) == {"RM511", "RM512"}


@pytest.mark.backends("sqlite")
def test_a_half_applied_revision_is_not_asked_to_rerun_where_upgrade_resumes_it(
    make_app: AppFactory, backend: str
) -> None:
    # Two DDL statements MariaDB commits one by one: Flask-Remodel's upgrade resumes
    # the revision after the first if the second fails, so RM501 has nothing to say.
    made = _project(make_app, SETUP, 'op.drop_column("account", "legacy")\n' + SAFE)

    def rm501(*args: str) -> int:
        result = made.cli("lint", "--all", "--target", "mariadb", "--format", "json", *args)
        found = _json(result.stdout)["findings"]
        assert isinstance(found, list)
        return sum(f["rule"] == "RM501" for f in found)

    assert rm501() == 0
    assert rm501("--sql") == 1  # another tool runs the script: nothing resumes it
    (made.migrations_dir / "env.py").write_text(PLAIN_ALEMBIC_ENV)
    assert rm501() == 1


@pytest.mark.backends("sqlite")
def test_a_revision_that_prints_leaves_the_json_report_whole(
    make_app: AppFactory, backend: str
) -> None:
    # Real histories print progress from upgrade(): on stdout it would break the report.
    made = _project(make_app, SETUP, 'print("migrating accounts")\n' + SAFE)
    result = made.cli("lint", "--all", "--target", "postgresql", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["target"] == "postgresql"
    assert "migrating accounts" not in result.stdout
