"""Edges of RM605 (every kind of name an operation gives) and RM501 (what counts as DDL
and what a guard is on MariaDB/MySQL)."""

from __future__ import annotations

from pathlib import Path

import pytest

from flask_remodel.lint import LintReport
from flask_remodel.lint import RuleSelection
from flask_remodel.lint import Target
from flask_remodel.lint import lint_directory
from flask_remodel.lint.runner import RESUMES_PARTIAL
from flask_remodel.lint.runner import UNKNOWN
from flask_remodel.lint.runner import Runner

from .conftest import BASE
from .conftest import LintCode
from .conftest import write_revisions


def _of(report: LintReport, rule_id: str) -> list[str]:
    return [f.message for f in report.findings if f.rule_id == rule_id]


def _long(prefix: str, size: int = 64) -> str:
    return prefix + "x" * (size - len(prefix))


# -- RM605 --------------------------------------------------------------------

NAMED = {
    "column": f'op.add_column("orders", sa.Column("{_long("col_")}", sa.Integer()))',
    "created column": f'op.create_table("t", sa.Column("{_long("col_")}", sa.Integer()))',
    "table": f'op.create_table("{_long("tab_")}", sa.Column("a", sa.Integer()))',
    "index": f'op.create_index("{_long("idx_")}", "orders", ["ref"])',
    "constraint": f'op.create_unique_constraint("{_long("con_")}", "orders", ["ref"])',
    "renamed table": f'op.rename_table("orders", "{_long("new_")}")',
    "renamed column": f'op.alter_column("orders", "ref", new_column_name="{_long("ren_")}", '
                      "existing_type=sa.String(20))",
}


@pytest.mark.parametrize("what", sorted(NAMED))
def test_each_kind_of_long_name_is_reported_on_postgresql(
    lint_code: LintCode, what: str
) -> None:
    code = NAMED[what]
    name = next(part for part in code.split('"') if len(part) == 64)
    report = lint_code("postgresql", code, enable=("RM605",))
    assert _of(report, "RM605") == [
        f"'{name[:30]}...' is 64 long; the limit is 63 and PostgreSQL silently truncates it."
    ]


@pytest.mark.parametrize("what", sorted(NAMED))
def test_each_kind_of_name_over_64_is_reported_on_mariadb(
    lint_code: LintCode, what: str
) -> None:
    at_64 = next(part for part in NAMED[what].split('"') if len(part) == 64)
    name = at_64 + "x"
    code = NAMED[what].replace(at_64, name)
    report = lint_code("mariadb", code, enable=("RM605",))
    assert _of(report, "RM605") == [f"'{name[:30]}...' is 65 long; the limit is 64."]
    assert _of(lint_code("mariadb", NAMED[what], enable=("RM605",)), "RM605") == []


def test_postgresql_counts_bytes_mariadb_characters(lint_code: LintCode) -> None:
    code = 'op.add_column("orders", sa.Column("' + "é" * 32 + '", sa.Integer()))'
    assert _of(lint_code("postgresql", code, enable=("RM605",)), "RM605") == [
        f"'{'é' * 30}...' is 64 long; the limit is 63 and PostgreSQL silently truncates it."
    ]
    assert _of(lint_code("mariadb", code, enable=("RM605",)), "RM605") == []


# -- RM501 --------------------------------------------------------------------

SECOND = 'op.add_column("orders", sa.Column("b", sa.Integer()))'


@pytest.mark.parametrize(
    "first",
    [
        'op.drop_index("ix_account_email", table_name="account", if_exists=True)',
        'op.create_index("ix_ref", "orders", ["ref"], if_not_exists=True)',
        'op.drop_column("orders", "note", if_exists=True)',
        'op.add_column("orders", sa.Column("a", sa.Integer()), if_not_exists=True)',
        'op.drop_table("orders", if_exists=True)',
    ],
)
def test_mysql_guarded_statement_can_be_rerun(lint_code: LintCode, first: str) -> None:
    report = lint_code("mariadb", first + "\n" + SECOND)
    assert _of(report, "RM501") == []


def test_mysql_unguarded_drop_is_reported(lint_code: LintCode) -> None:
    report = lint_code("mariadb", 'op.drop_column("orders", "note")\n' + SECOND)
    found = [f for f in report.findings if f.rule_id == "RM501"]
    assert [f.message for f in found] == [
        "This revision runs 2 DDL statements and MariaDB/MySQL commit each one: if a later "
        "one fails, the retry fails here (line 10) because this one already ran. Use "
        "if_not_exists=/if_exists=, or one statement per revision."
    ]
    assert found[0].line == 10


RESUMING = Runner("Flask-Remodel's env.py", frozenset({RESUMES_PARTIAL}))
AUTOCOMMIT_DROP = (
    "with op.get_context().autocommit_block():\n"
    '    op.drop_index("ix_account_email", table_name="account", postgresql_concurrently=True)'
)


def _with_runner(folder: Path, target: str, body: str, runner: Runner) -> list[str]:
    ids = write_revisions(folder, BASE, body)
    report = lint_directory(
        folder, Target.parse(target), ids[-1], selection=RuleSelection(), runner=runner
    )
    return _of(report, "RM501")


@pytest.mark.parametrize("target", ["mariadb", "mysql"])
def test_mysql_multi_statement_revision_is_not_reported_for_the_runner_that_resumes(
    tmp_path: Path, target: str
) -> None:
    """Flask-Remodel's upgrade resumes a half-applied revision after what it committed."""
    code = 'op.drop_column("orders", "note")\n' + SECOND
    assert _with_runner(tmp_path / "resuming", target, code, RESUMING) == []
    # Plain Alembic, an old env.py, an --sql script: run again from the top.
    assert len(_with_runner(tmp_path / "unknown", target, code, UNKNOWN)) == 1


def test_postgresql_autocommit_block_is_reported_whatever_the_runner(tmp_path: Path) -> None:
    # Nothing is resumed on PostgreSQL: the ledger keeps no record of an autocommit block.
    assert len(_with_runner(tmp_path / "r", "postgresql", AUTOCOMMIT_DROP, RESUMING)) == 1


@pytest.mark.parametrize(
    "code",
    [
        # data statements are not DDL: they run in the transaction MariaDB keeps for DML
        "op.execute(\"UPDATE orders SET ref = 'x'\")\n"
        "op.execute(\"UPDATE orders SET ref = 'y'\")",
        'op.bulk_insert(sa.table("orders", sa.column("ref")), [{"ref": "a"}])\n' + SECOND,
        'op.execute(sa.text("UPDATE orders SET ref = \'x\'"))\n' + SECOND,
    ],
)
def test_mysql_data_statements_do_not_count_as_ddl(lint_code: LintCode, code: str) -> None:
    assert _of(lint_code("mariadb", code), "RM501") == []


def test_postgresql_autocommit_drop_with_if_exists_is_rerunnable(lint_code: LintCode) -> None:
    code = ("with op.get_context().autocommit_block():\n"
            '    op.drop_index("ix_account_email", table_name="account", '
            "postgresql_concurrently=True, if_exists=True)")
    assert _of(lint_code("postgresql", code), "RM501") == []
    unguarded = code.replace(", if_exists=True", "")
    assert _of(lint_code("postgresql", unguarded), "RM501") == [
        "This runs outside the transaction (autocommit block): after a failure the retry "
        "fails here. Add if_not_exists=True / if_exists=True."
    ]


AUTOCOMMIT = "with op.get_context().autocommit_block():\n    "


@pytest.mark.parametrize(
    ("code", "fix"),
    [
        ('op.create_index("ix_ref", "orders", ["ref"], unique=True, postgresql_concurrently=True)',
         "op.create_index('ix_ref', 'orders', ['ref'], unique=True, "
         "postgresql_concurrently=True, if_not_exists=True)"),
        ('op.create_index("ix_ref", "orders", ["ref", "id"], postgresql_concurrently=True)',
         "op.create_index('ix_ref', 'orders', ['ref', 'id'], "
         "postgresql_concurrently=True, if_not_exists=True)"),
        ('op.drop_index("ix_ref", table_name="orders", postgresql_concurrently=True)',
         "op.drop_index('ix_ref', table_name='orders', "
         "postgresql_concurrently=True, if_exists=True)"),
        ('op.execute("CREATE INDEX CONCURRENTLY ix_ref ON orders (ref)")',
         "op.execute('CREATE INDEX CONCURRENTLY ix_ref ON orders (ref)')"),
        ('op.execute("REINDEX INDEX CONCURRENTLY ix_ref")',
         "op.execute('REINDEX INDEX CONCURRENTLY ix_ref')"),
    ],
)
def test_concurrently_fix_is_the_same_call_rerunnable_in_an_autocommit_block(
    lint_code: LintCode, code: str, fix: str
) -> None:
    found = [f for f in lint_code("postgresql", code).findings if f.rule_id == "RM103"]
    assert [f.fix for f in found] == [AUTOCOMMIT + fix]


LOCKING_SQL = [
    "TRUNCATE orders", "VACUUM FULL orders", "ALTER TABLE orders VALIDATE CONSTRAINT ck",
    "ALTER TABLE orders ADD CONSTRAINT ex EXCLUDE USING gist (r WITH &&)",
    "ALTER TABLE orders DETACH PARTITION p", "ALTER TABLE orders SET UNLOGGED",
    "ALTER TABLE orders ALTER COLUMN ref SET DEFAULT 'x'", "REINDEX TABLE orders",
]


@pytest.mark.parametrize("sql", LOCKING_SQL)
@pytest.mark.parametrize(
    ("before", "flagged"),
    [
        ("", True),
        ("op.execute(\"SET search_path = public\")\n", True),  # another setting
        ("op.execute(\"SET lock_timeout = '5s'\")\n", False),
        ('op.execute("UPDATE orders SET ref = lower(ref)")\n', True),  # takes no DDL lock
    ],
)
def test_raw_sql_that_locks_needs_a_lock_timeout_first(
    lint_code: LintCode, sql: str, before: str, flagged: bool
) -> None:
    report = lint_code("postgresql", before + f'op.execute("{sql}")', enable=("RM511",))
    found = [f for f in report.findings if f.rule_id == "RM511"]
    assert [f.line for f in found] == ([10 + before.count("\n")] if flagged else [])


def test_a_table_created_in_the_revision_needs_no_lock_timeout(lint_code: LintCode) -> None:
    create = 'op.create_table("fresh", sa.Column("id", sa.Integer()))\n'
    for later, flagged in [('op.add_column("fresh", sa.Column("x", sa.Integer()))', False),
                           ('op.add_column("orders", sa.Column("x", sa.Integer()))', True)]:
        report = lint_code("postgresql", create + later, enable=("RM511",))
        assert [f.line for f in report.findings if f.rule_id == "RM511"] == (
            [11] if flagged else []), later


KEEP = "existing_nullable=False, existing_type=sa.String(length=50))"


@pytest.mark.parametrize(
    ("change", "fix"),
    [
        ('new_column_name="full_name"', "new_column_name='full_name', " + KEEP),
        ("type_=sa.String(80)", "type_=sa.String(length=80), " + KEEP),
        ('new_column_name="full_name", type_=sa.String(80), existing_type=sa.String(50)',
         "new_column_name='full_name', type_=sa.String(length=80), " + KEEP),
        ('server_default="x"', KEEP + "  # plus the server_default/comment you had"),
        ('comment="x"', KEEP + "  # plus the server_default/comment you had"),
    ],
)
def test_mysql_alter_column_keeps_not_null_in_the_fix(
    lint_code: LintCode, change: str, fix: str
) -> None:
    # MariaDB restates the whole column: without existing_nullable=False it becomes NULL.
    found = [f for f in lint_code("mariadb", f'op.alter_column("account", "name", {change})')
             .findings if f.rule_id == "RM206"]
    assert [f.fix for f in found] == ["op.alter_column('account', 'name', " + fix]


ADD_REF2 = 'op.add_column("orders", sa.Column("ref2", sa.String(20){extra}))\n'
UNIQUE_REF2 = 'op.create_index("uq_ref2", "orders", ["ref2"], unique=True)'


@pytest.mark.parametrize(
    ("before", "flagged"),
    [
        (ADD_REF2.format(extra=""), False),  # only NULLs so far: nothing can clash
        (ADD_REF2.format(extra=', server_default="x"'), True),
        (ADD_REF2.format(extra=', server_default=sa.text("\'x\'")'), True),
        (ADD_REF2.format(extra=", nullable=False"), True),
        (ADD_REF2.format(extra="") + 'op.execute("UPDATE orders SET ref2 = ref")\n', True),
        (ADD_REF2.format(extra="") + 'op.execute("UPDATE orders SET note = ref")\n', False),
        (ADD_REF2.format(extra="") + 'op.execute("UPDATE account SET name = \'x\'")\n', False),
        ("", True),  # ref2 is not known: assume it holds values
    ],
)
def test_unique_index_on_a_column_holding_only_nulls_is_safe(
    lint_code: LintCode, before: str, flagged: bool
) -> None:
    report = lint_code("postgresql", before + UNIQUE_REF2)
    assert [f.rule_id for f in report.findings if f.rule_id == "RM207"] == (
        ["RM207"] if flagged else [])
