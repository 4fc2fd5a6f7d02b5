"""Edges of the PostgreSQL locking rules.

RM103 (CONCURRENTLY inside the migration's transaction), RM116 (which
statements count as slow work while an earlier ALTER's lock is held), RM106
(stored generated columns, also from raw SQL) and RM608 (column alignment
sizes in the message).
"""

from __future__ import annotations

import pytest

from flask_remodel.lint import LintReport
from flask_remodel.lint import Severity

from .conftest import BASE
from .conftest import LintCode

AC = "with op.get_context().autocommit_block():\n    "

RM103 = (
    "CONCURRENTLY cannot run inside a transaction block, and Alembic runs this migration "
    "in one: it will fail at deploy. Wrap it in op.get_context().autocommit_block()."
)


def _of(report: LintReport, rule_id: str) -> list[str]:
    return [f.message for f in report.findings if f.rule_id == rule_id]


# -- RM103 --------------------------------------------------------------------

CONCURRENT_SQL = [
    "REINDEX INDEX CONCURRENTLY ix_account_email",
    "REINDEX TABLE CONCURRENTLY orders",
    "ALTER TABLE m DETACH PARTITION m_2020 CONCURRENTLY",
]


@pytest.mark.parametrize("sql", CONCURRENT_SQL)
def test_concurrent_raw_sql_in_the_transaction_fails_at_deploy(
    lint_code: LintCode, sql: str
) -> None:
    report = lint_code("postgresql", f'op.execute("{sql}")')
    found = [f for f in report.findings if f.rule_id == "RM103"]
    assert [f.message for f in found] == [RM103]
    assert found[0].severity is Severity.ERROR
    assert found[0].fix is not None and sql in found[0].fix


@pytest.mark.parametrize("sql", CONCURRENT_SQL)
def test_concurrent_raw_sql_in_an_autocommit_block_is_fine(
    lint_code: LintCode, sql: str
) -> None:
    assert _of(lint_code("postgresql", AC + f'op.execute("{sql}")'), "RM103") == []


@pytest.mark.parametrize(
    "code",
    [
        'op.execute("REINDEX INDEX ix_account_email")',
        'op.execute("ALTER TABLE m DETACH PARTITION m_2020")',
        'op.create_index("ix_ref", "orders", ["ref"])',
        'op.drop_index("ix_account_email", table_name="account")',
        'op.execute("UPDATE orders SET ref = lower(ref)")',
        'op.execute("CREATE INDEX ix_ref ON orders (ref)")',
    ],
)
def test_non_concurrent_statements_may_run_in_the_transaction(
    lint_code: LintCode, code: str
) -> None:
    assert _of(lint_code("postgresql", code), "RM103") == []


# -- RM116 --------------------------------------------------------------------

ALTER = 'op.add_column("orders", sa.Column("x", sa.Integer()))\n'

RM116 = (
    "This runs in the same transaction as the ALTER on orders at line 10, whose lock is "
    "held until COMMIT: orders stays locked for the whole of this work. Move it to its "
    "own revision."
)


@pytest.mark.parametrize(
    "slow",
    [
        'op.create_index("ix_x", "orders", ["x"])',
        'op.execute("UPDATE orders SET x = 1")',
        'op.execute("ALTER TABLE orders VALIDATE CONSTRAINT ck_total")',
        'op.execute("REINDEX TABLE orders")',
        'op.execute("REINDEX INDEX ix_account_email")',
        'op.execute("VACUUM FULL orders")',
        'op.execute("CLUSTER orders USING ix_ref")',
    ],
)
def test_slow_work_after_an_alter_holds_its_lock(lint_code: LintCode, slow: str) -> None:
    report = lint_code("postgresql", ALTER + slow)
    found = [f for f in report.findings if f.rule_id == "RM116"]
    assert [f.message for f in found] == [RM116]
    assert found[0].line == 11
    assert found[0].lock == "the lock taken at line 10, held to COMMIT"
    assert found[0].severity is Severity.WARNING


@pytest.mark.parametrize(
    "quick",
    [
        "op.execute(\"COMMENT ON TABLE orders IS 'x'\")",
        'op.execute("ANALYZE orders")',
        "op.execute(\"SET lock_timeout = '5s'\")",
        'op.execute("SELECT 1")',
        # a CONCURRENTLY build takes no lock here: it is RM103's error, not RM116's
        'op.create_index("ix_x", "orders", ["x"], postgresql_concurrently=True)',
    ],
)
def test_quick_statements_after_an_alter_are_not_slow_work(
    lint_code: LintCode, quick: str
) -> None:
    assert _of(lint_code("postgresql", ALTER + quick), "RM116") == []


# -- RM106 --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "lock"),
    [
        ("postgresql", "ACCESS EXCLUSIVE on orders (blocks reads and writes)"),
        ("mariadb", "ALGORITHM=COPY on orders (writes blocked while the table is copied)"),
    ],
)
@pytest.mark.parametrize(
    "definition",
    ["numeric GENERATED ALWAYS AS (total * 2) STORED", "numeric AS (total * 2) PERSISTENT"],
)
def test_stored_generated_column_in_raw_sql_rewrites(
    lint_code: LintCode, target: str, lock: str, definition: str
) -> None:
    report = lint_code(target, f'op.execute("ALTER TABLE orders ADD COLUMN t2 {definition}")')
    found = [f for f in report.findings if f.rule_id == "RM106"]
    assert [f.message for f in found] == [
        "Stored generated column t2 is computed for every existing row of orders: the "
        "table is rewritten while locked."
    ]
    assert found[0].lock == lock
    assert found[0].rewrites is True


@pytest.mark.parametrize("target", ["postgresql", "mariadb"])
def test_virtual_generated_column_in_raw_sql_is_not_stored(
    lint_code: LintCode, target: str
) -> None:
    code = 'op.execute("ALTER TABLE orders ADD COLUMN t2 numeric AS (total * 2) VIRTUAL")'
    assert _of(lint_code(target, code), "RM106") == []


# -- RM608 --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second", "message"),
    [
        ("sa.Boolean()", "sa.BigInteger()",
         "t.b (8-byte aligned) follows a (1-byte): every row is padded."),
        ("sa.Boolean()", "sa.SmallInteger()",
         "t.b (2-byte aligned) follows a (1-byte): every row is padded."),
        ("sa.SmallInteger()", "sa.Integer()",
         "t.b (4-byte aligned) follows a (2-byte): every row is padded."),
        ("sa.Integer()", "sa.DateTime()",
         "t.b (8-byte aligned) follows a (4-byte): every row is padded."),
        ("sa.Date()", "sa.Float()",
         "t.b (8-byte aligned) follows a (4-byte): every row is padded."),
        ("sa.SmallInteger()", "sa.Date()",
         "t.b (4-byte aligned) follows a (2-byte): every row is padded."),
    ],
)
def test_alignment_sizes_in_the_message(
    lint_code: LintCode, first: str, second: str, message: str
) -> None:
    code = f'op.create_table("t", sa.Column("a", {first}), sa.Column("b", {second}))'
    report = lint_code("postgresql", code, enable=("RM608",))
    assert _of(report, "RM608") == [
        message + " Order columns by alignment, largest first."
    ]


@pytest.mark.parametrize(
    "columns",
    [
        ("sa.BigInteger()", "sa.Integer()", "sa.SmallInteger()", "sa.Boolean()"),
        ("sa.DateTime()", "sa.Float()", "sa.Date()", "sa.Boolean()", "sa.Text()"),
        ("sa.BigInteger()", "sa.Text()", "sa.Integer()", "sa.Integer()"),  # Text is skipped
    ],
)
def test_columns_ordered_by_alignment_are_not_padded(
    lint_code: LintCode, columns: tuple[str, ...]
) -> None:
    listed = ", ".join(f'sa.Column("c{i}", {t})' for i, t in enumerate(columns))
    report = lint_code("postgresql", f'op.create_table("t", {listed})', enable=("RM608",))
    assert _of(report, "RM608") == []


def _pk_fix(name: str, table: str, columns: str, drop: str) -> str:
    return ("with op.get_context().autocommit_block():\n"
            f"    op.create_index('{name}', '{table}', {columns}, unique=True, "
            "postgresql_concurrently=True, if_not_exists=True)\n"
            f'op.execute("ALTER TABLE {table} {drop}ADD CONSTRAINT {name} '
            f'PRIMARY KEY USING INDEX {name}")')


NOT_NULL_T = 'op.create_table("t", sa.Column("a", sa.Integer(), nullable=False)'


@pytest.mark.parametrize(
    ("base", "code", "fix"),
    [
        (BASE, 'op.create_primary_key("pk_account", "account", ["name"])',
         _pk_fix("pk_account", "account", "['name']", "DROP CONSTRAINT account_pkey, ")),
        (BASE, 'op.create_primary_key("pk_account", "account", ["email", "name", "status"])',
         "# first make email, status NOT NULL without the long scan (see RM109)\n"
         + _pk_fix("pk_account", "account", "['email', 'name', 'status']",
                   "DROP CONSTRAINT account_pkey, ")),
        ("", 'op.create_primary_key("pk_t", "t", ["a", "b"])',  # a table never seen
         "# first make a, b NOT NULL without the long scan (see RM109)\n"
         + _pk_fix("pk_t", "t", "['a', 'b']", "")),
        (NOT_NULL_T + ")", 'op.create_primary_key("pk_t", "t", ["a"])',
         _pk_fix("pk_t", "t", "['a']", "")),
        (NOT_NULL_T + ', sa.PrimaryKeyConstraint("a", name="t_key"))',
         'op.create_primary_key("pk_t", "t", ["a"])',
         _pk_fix("pk_t", "t", "['a']", "DROP CONSTRAINT t_key, ")),
    ],
)
def test_primary_key_fix_builds_the_index_first_and_swaps_the_old_key(
    lint_code: LintCode, base: str, code: str, fix: str
) -> None:
    found = [f for f in lint_code("postgresql", code, base=base).findings
             if f.rule_id == "RM114"]
    assert [f.fix for f in found] == [fix]


def _check_then_set_not_null(table: str, check: str, validate: bool = True) -> str:
    return (f'op.execute("ALTER TABLE {table} ADD CONSTRAINT ck_e CHECK ({check}) NOT VALID")\n'
            + (f'op.execute("ALTER TABLE {table} VALIDATE CONSTRAINT ck_e")\n'
               if validate else "")
            + 'op.alter_column("account", "email", nullable=False)')


@pytest.mark.parametrize(
    ("code", "flagged"),
    [
        (_check_then_set_not_null("account", "email IS NOT NULL"), False),
        (_check_then_set_not_null("account", 'email is not null'), False),
        (_check_then_set_not_null("account", '\\"email\\" IS NOT NULL'), False),
        (_check_then_set_not_null("account", "email IS NOT NULL", validate=False), True),
        (_check_then_set_not_null("orders", "email IS NOT NULL"), True),  # another table's
        (_check_then_set_not_null("account", "name IS NOT NULL"), True),
        (_check_then_set_not_null("account", "email IS NOT NULL OR name IS NULL"), True),
    ],
)
def test_set_not_null_skips_the_scan_only_after_a_validated_check_of_that_column(
    lint_code: LintCode, code: str, flagged: bool
) -> None:
    found = [f for f in lint_code("postgresql", code).findings if f.rule_id == "RM109"]
    assert len(found) == (1 if flagged else 0)


ADD_NOTE2 = 'op.add_column("orders", sa.Column("note2", sa.Text()))\n'
NOTE2_NOT_NULL = 'op.alter_column("orders", "note2", nullable=False)'


@pytest.mark.parametrize(
    ("update", "filled"),
    [
        ("UPDATE orders SET note2 = 'x'", True),
        ("update orders set note2 = 'x'", True),
        ("UPDATE orders SET ref = 'y', note2 = 'x'", True),
        ('UPDATE orders SET \\"note2\\" = \'x\' WHERE \\"note2\\" IS NULL', True),
        ("UPDATE orders SET note2 = 'x' where orders.note2 is null", True),
        ("UPDATE orders SET note2 = 'x' WHERE id > 5", False),
        ("UPDATE orders SET note2 = 'x' WHERE note2 IS NULL AND id > 5", False),
        ("UPDATE orders SET ref = 'x'", False),
        ("UPDATE account SET name = 'x'", False),
    ],
)
def test_set_not_null_after_an_update_that_fills_every_null(
    lint_code: LintCode, update: str, filled: bool
) -> None:
    code = ADD_NOTE2 + f'op.execute("{update}")\n' + NOTE2_NOT_NULL
    found = [f for f in lint_code("postgresql", code).findings if f.rule_id == "RM109"]
    assert len(found) == (0 if filled else 1)
