"""The engine's own behaviour: acknowledgements, ranges, raw SQL parsing, Flask-freedom."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from flask_remodel.lint import LintUsageError
from flask_remodel.lint import RuleSelection
from flask_remodel.lint import Target
from flask_remodel.lint import lint_directory
from flask_remodel.lint.sqltext import split_statements
from flask_remodel.lint.sqltext import statements_from

from .conftest import BASE
from .conftest import QUIET
from .conftest import LintCode
from .conftest import write_revisions


def test_lint_package_does_not_import_flask() -> None:
    # flask_remodel/__init__.py imports the extension (and Flask); load the
    # package shell without it, block Flask, and import the linter.
    package = Path(__file__).parents[2] / "src" / "flask_remodel"
    code = (
        "import sys, types\n"
        f"shell = types.ModuleType('flask_remodel'); shell.__path__ = [{str(package)!r}]\n"
        "sys.modules['flask_remodel'] = shell; sys.modules['flask'] = None\n"
        "import flask_remodel.lint as lint\n"
        "print(len(lint.all_rules()))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert int(out.stdout) > 40


def test_acknowledgement_on_the_line_above_or_inside_the_call(lint_code: LintCode) -> None:
    above = lint_code("postgresql", "# remodel: allow[drop-column] gone since v2\n"
                      'op.drop_column("orders", "note")')
    assert not above.findings and above.acknowledged[0].acknowledged == "gone since v2"
    inside = lint_code("postgresql", 'op.drop_column(\n    "orders",  # remodel: allow[RM201] ok\n'
                       '    "note",\n)')
    assert not inside.findings and len(inside.acknowledged) == 1
    elsewhere = lint_code("postgresql", "# remodel: allow[RM201] wrong place\n"
                          'op.create_table("t", sa.Column("a", sa.Integer()))\n'
                          'op.drop_column("orders", "note")')
    assert {f.rule_id for f in elsewhere.findings} == {"RM001", "RM201"}


def test_acknowledgement_for_a_rule_of_another_database_is_not_stale(lint_code: LintCode) -> None:
    code = 'op.create_index("ix_ref", "orders", ["ref"])  # remodel: allow[RM101] small table'
    assert not lint_code("postgresql", code).findings
    assert "RM001" not in {f.rule_id for f in lint_code("mariadb", code).findings}


def test_schema_from_the_chain_exempts_widening_and_knows_the_old_type(tmp_path: Path) -> None:
    ids = write_revisions(tmp_path, BASE, 'op.alter_column("orders", "ref", type_=sa.String(40))',
                          'op.alter_column("orders", "ref", type_=sa.String(30))')
    report = lint_directory(tmp_path, Target.parse("postgresql"), f"{ids[0]}:",
                            selection=RuleSelection(disable=QUIET))
    assert [(f.revision, f.rule_id) for f in report.findings] == [("r2", "RM305")]
    assert "String(length=40)" in report.findings[0].message


def test_ranges_and_bad_ranges(tmp_path: Path) -> None:
    write_revisions(tmp_path, BASE, 'op.drop_column("orders", "note")', 'op.drop_table("orders")')
    target = Target.parse("sqlite")
    assert lint_directory(tmp_path, target, "r1").revisions == ["r1"]
    assert lint_directory(tmp_path, target, "r0:r1").revisions == ["r1"]
    assert lint_directory(tmp_path, target, ":r1").revisions == ["r0", "r1"]
    assert lint_directory(tmp_path, target).revisions == ["r0", "r1", "r2"]
    assert lint_directory(tmp_path, target, baseline="r1").revisions == ["r2"]
    with pytest.raises(LintUsageError):
        lint_directory(tmp_path, target, "zz:r1")


def test_targets_parse_and_reject() -> None:
    assert Target.parse("postgresql:15").version == (15,)
    assert str(Target.parse("MariaDB:10.11")) == "mariadb:10.11"
    assert Target.parse("mysql").family == "mysql"
    for bad in ("oracle", "postgresql:x", ""):
        with pytest.raises(ValueError):
            Target.parse(bad)


def test_raw_sql_is_split_and_read() -> None:
    text = ("-- a comment; with a semicolon\nCREATE INDEX CONCURRENTLY ix ON t (a);"
            "SELECT ';' ; DO $$ BEGIN PERFORM 1; END $$; ALTER TABLE t RENAME a TO b, "
            "ADD COLUMN c int NOT NULL")
    assert len(split_statements(text)) == 4
    kinds = [type(p.operation).__name__ for p in statements_from(text)]
    assert kinds == ["CreateIndexOp", "SqlStatement", "SqlStatement", "AlterColumnOp",
                     "AddColumnOp"]
    assert statements_from("FROBNICATE t")[0].operation.kind == "unknown"


def test_batch_and_autocommit_are_seen(lint_code: LintCode) -> None:
    report = lint_code("sqlite", 'with op.batch_alter_table("orders") as b:\n'
                       '    b.drop_column("note")')
    assert [f.rule_id for f in report.findings] == ["RM201"]
    assert report.findings[0].line == 11


def test_replayed_revisions_keep_what_create_table_returns(tmp_path: Path) -> None:
    seeded = BASE + (
        '\nt = op.create_table("plan", sa.Column("id", sa.Integer(), primary_key=True))\n'
        'op.bulk_insert(t, [{"id": 1}])'
    )
    ids = write_revisions(tmp_path, seeded, 'op.drop_column("plan", "id")')
    report = lint_directory(tmp_path, Target.parse("postgresql"), ids[1])
    assert "RM002" not in {f.rule_id for f in report.findings}  # r0 ran to its end
    assert "RM201" in {f.rule_id for f in report.findings}


def test_multidb_revisions_are_linted_per_bind(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "m1.py").write_text(
        "from alembic import op\nimport sqlalchemy as sa\n"
        "revision = 'm1'\ndown_revision = None\n\n"
        "def upgrade(engine_name):\n    globals()['upgrade_%s' % engine_name]()\n\n"
        "def upgrade_():\n    op.drop_column('account', 'email')\n\n"
        "def upgrade_users():\n    op.drop_table('session')\n"
    )
    report = lint_directory(tmp_path, Target.parse("sqlite"))
    assert sorted(f.rule_id for f in report.findings) == ["RM201", "RM202"]
    assert report.revisions == ["m1"]


@pytest.mark.parametrize(
    ("target", "lock", "rewrites"),
    [("postgresql", "ACCESS EXCLUSIVE on orders", False),
     ("mariadb", "ALGORITHM=INSTANT on orders", False),
     ("sqlite", "database write lock while orders is rewritten", True)],
)
def test_every_finding_says_what_its_operation_locks(
    lint_code: LintCode, target: str, lock: str, rewrites: bool
) -> None:
    found = lint_code(target, 'op.drop_column("orders", "note")').findings
    drop = next(f for f in found if f.rule_id == "RM201")
    assert drop.lock is not None and drop.lock.startswith(lock)
    assert drop.rewrites is rewrites
