"""Every rule: a flagged and a clean case on each database it applies to.

Each case lints one revision written after the shared starting schema
(``conftest.BASE``: ``account`` and ``orders`` with data-bearing columns, an
FK with ON DELETE CASCADE, an unnamed CHECK and an index) for a target, and
checks that the rule fires on the flagged code and stays silent on the clean
code. ``test_every_rule_has_cases`` fails when a rule or one of its databases
has no case.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flask_remodel.lint import Target
from flask_remodel.lint import all_rules
from flask_remodel.lint import lint_directory

from .conftest import BASE
from .conftest import LintCode
from .conftest import write_revisions

PG, MY, LITE = ("postgresql",), ("mariadb",), ("sqlite",)
ALL = ("postgresql", "mariadb", "sqlite")
AC = "with op.get_context().autocommit_block():\n    "

# rule id -> list of (targets, flagged code, clean code)
CASES: dict[str, list[tuple[tuple[str, ...], str, str]]] = {
    "RM001": [(ALL, 'op.create_index("ix_ref", "orders", ["ref"])  '
               "# remodel: allow[RM201] stale",
               'op.drop_column("orders", "note")  # remodel: allow[RM201] unused since v3')],
    "RM002": [(ALL, 'sa.inspect(op.get_bind()).get_foreign_keys("orders")',
               'op.get_bind().execute(sa.text("SELECT 1")).fetchall()')],
    "RM101": [
        (PG, 'op.create_index("ix_ref", "orders", ["ref"])',
         AC + 'op.create_index("ix_ref", "orders", ["ref"], postgresql_concurrently=True)'),
        # A unique index locks the same way: its build is no exception.
        (PG, 'op.create_index("ux_ref", "orders", ["ref"], unique=True)',
         AC + 'op.create_index("ux_ref", "orders", ["ref"], unique=True, '
         "postgresql_concurrently=True)"),
        (LITE, 'op.create_index("ix_ref", "orders", ["ref"])',
         'op.create_table("t", sa.Column("a", sa.Integer()))\n'
         'op.create_index("ix_a", "t", ["a"])'),
    ],
    "RM102": [(PG, 'op.drop_index("ix_account_email", table_name="account")',
               AC + 'op.drop_index("ix_account_email", table_name="account", '
               "postgresql_concurrently=True)")],
    "RM103": [(PG, 'op.create_index("ix_ref", "orders", ["ref"], postgresql_concurrently=True)',
               AC + 'op.execute("CREATE INDEX CONCURRENTLY ix_ref ON orders (ref)")'),
              # raw SQL: its fix wraps the statement itself
              (PG, 'op.execute("REINDEX INDEX CONCURRENTLY ix_account_email")',
               AC + 'op.execute("REINDEX INDEX CONCURRENTLY ix_account_email")')],
    "RM104": [(PG, 'op.execute("REINDEX INDEX ix_account_email")',
               AC + 'op.execute("REINDEX INDEX CONCURRENTLY ix_account_email")')],
    "RM105": [
        (MY, 'op.add_column("orders", sa.Column("t", sa.String(36), '
         'server_default=sa.text("(UUID())")))',
         'op.add_column("orders", sa.Column("t2", sa.Numeric(), sa.Computed("total * 2")))'),
        (PG, 'op.add_column("orders", sa.Column("token", sa.String(36), '
         'server_default=sa.text("gen_random_uuid()")))',
         'op.add_column("orders", sa.Column("created", sa.DateTime(), '
         "server_default=sa.func.now()))"),
        (("postgresql:10",), 'op.add_column("orders", sa.Column("n", sa.Integer(), '
         'server_default="0"))', 'op.add_column("orders", sa.Column("n", sa.Integer()))'),
        (MY, 'op.add_column("orders", sa.Column("token", sa.String(36), '
         'server_default=sa.text("(UUID())")))',
         'op.add_column("orders", sa.Column("n", sa.Integer(), server_default="0"))'),
        (LITE, 'op.add_column("orders", sa.Column("created", sa.DateTime(), '
         'server_default=sa.text("CURRENT_TIMESTAMP")))',
         'op.add_column("orders", sa.Column("n", sa.Integer(), server_default="0"))'),
    ],
    "RM106": [
        (PG, 'op.add_column("orders", sa.Column("t2", sa.Numeric(), sa.Computed("total * 2")))',
         'op.add_column("orders", sa.Column("t2", sa.Numeric()))'),
        (MY, 'op.add_column("orders", sa.Column("t2", sa.Numeric(), '
         'sa.Computed("total * 2", persisted=True)))',
         'op.add_column("orders", sa.Column("t2", sa.Numeric(), '
         'sa.Computed("total * 2", persisted=False)))'),
    ],
    "RM107": [
        (PG, 'op.add_column("orders", sa.Column("seq", sa.BigInteger(), sa.Identity()))',
         'op.add_column("orders", sa.Column("seq", sa.BigInteger()))'),
        (MY, 'op.execute("ALTER TABLE orders ADD COLUMN seq BIGINT AUTO_INCREMENT UNIQUE")',
         'op.add_column("orders", sa.Column("seq", sa.BigInteger(), sa.Identity()))'),
    ],
    "RM108": [
        (PG, 'op.alter_column("orders", "id", type_=sa.BigInteger())',
         'op.alter_column("orders", "ref", type_=sa.String(200))'),
        (PG, 'op.execute("ALTER TABLE orders ALTER COLUMN id TYPE bigint")',
         'op.execute("ALTER TABLE orders ALTER COLUMN ref TYPE text")'),
        (MY, 'op.alter_column("orders", "ref", new_column_name="code", '
         "existing_type=sa.String(10))",  # stale existing_type re-declares the column
         'op.alter_column("orders", "ref", new_column_name="code", '
         "existing_type=sa.String(20))"),
        (MY, 'op.alter_column("account", "email", type_=sa.String(100), '
         "existing_type=sa.String(50))",
         'op.alter_column("orders", "ref", type_=sa.String(100), existing_type=sa.String(20))'),
        (LITE, 'with op.batch_alter_table("orders") as b:\n    b.alter_column("id", '
         "type_=sa.BigInteger())",
         'op.create_table("t", sa.Column("a", sa.Integer()))\n'
         'op.alter_column("t", "a", type_=sa.BigInteger())'),
    ],
    "RM109": [
        (PG, 'op.alter_column("account", "email", nullable=False)',
         'op.execute("ALTER TABLE account ADD CONSTRAINT ck_e CHECK (email IS NOT NULL) '
         'NOT VALID")\n'
         'op.execute("ALTER TABLE account VALIDATE CONSTRAINT ck_e")\n'
         'op.alter_column("account", "email", nullable=False)'),
        (MY, 'op.alter_column("account", "email", nullable=False, existing_type=sa.String(50))',
         'op.alter_column("account", "name", nullable=False, existing_type=sa.String(50))'),
        (LITE, 'with op.batch_alter_table("account") as b:\n    b.alter_column("email", '
         "nullable=False)", 'op.alter_column("account", "email", nullable=True)'),
    ],
    "RM110": [
        (PG, 'op.create_check_constraint("ck_total", "orders", "total >= 0")',
         'op.create_check_constraint("ck_total", "orders", "total >= 0", '
         "postgresql_not_valid=True)"),
        (MY, 'op.create_check_constraint("ck_total", "orders", "total >= 0", '
         "postgresql_not_valid=True)",  # ignored by MariaDB
         'op.create_table("t", sa.Column("a", sa.Integer()))\n'
         'op.create_check_constraint("ck_a", "t", "a > 0")'),
    ],
    "RM111": [
        (PG, 'op.create_foreign_key("fk_o", "orders", "account", ["account_id"], ["id"])',
         'op.create_foreign_key("fk_o", "orders", "account", ["account_id"], ["id"], '
         "postgresql_not_valid=True)"),
        (MY, 'op.create_foreign_key("fk_o", "orders", "account", ["account_id"], ["id"], '
         "postgresql_not_valid=True)",
         'op.create_table("t", sa.Column("a", sa.Integer()))\n'
         'op.create_foreign_key("fk_t", "t", "account", ["a"], ["id"])'),
    ],
    "RM112": [(PG, 'op.create_check_constraint("ck_t", "orders", "total > 0", '
               'postgresql_not_valid=True)\n'
               'op.execute("ALTER TABLE orders VALIDATE CONSTRAINT ck_t")',
               'op.execute("ALTER TABLE orders VALIDATE CONSTRAINT ck_t")')],
    "RM113": [(PG, 'op.create_unique_constraint("uq_ref", "orders", ["ref"])',
               'op.execute("ALTER TABLE orders ADD CONSTRAINT uq_ref UNIQUE USING INDEX uq_ref")')],
    "RM114": [
        (PG, 'op.create_primary_key("pk_x", "orders", ["ref"])',
         'op.create_table("t", sa.Column("a", sa.Integer(), nullable=False))\n'
         'op.create_primary_key("pk_t", "t", ["a"])'),
        (MY, 'op.create_primary_key("pk_x", "orders", ["ref"])',
         'op.create_index("ix_ref", "orders", ["ref"])'),
    ],
    "RM115": [(PG, 'op.execute("ALTER TABLE orders ADD CONSTRAINT ex EXCLUDE USING gist '
               '(ref WITH =)")', 'op.execute("ALTER TABLE orders ADD CONSTRAINT ck CHECK '
               '(total > 0) NOT VALID")')],
    "RM116": [(PG, 'op.add_column("orders", sa.Column("x", sa.Integer()))\n'
               'op.execute("UPDATE orders SET ref = lower(ref)")',
               'op.add_column("orders", sa.Column("x", sa.Integer()))\n'
               + AC + 'op.create_index("ix_x", "orders", ["x"], postgresql_concurrently=True)')],
    "RM117": [(PG, 'op.execute("VACUUM FULL orders")', 'op.execute("VACUUM orders")')],
    "RM118": [(PG, 'op.execute("ALTER TABLE m DETACH PARTITION m_2020")',
               AC + 'op.execute("ALTER TABLE m DETACH PARTITION m_2020 CONCURRENTLY")')],
    "RM119": [(PG, 'op.execute("CREATE DOMAIN positive AS integer CHECK (VALUE > 0)")',
               'op.execute("CREATE DOMAIN label AS text")')],
    "RM120": [(MY, 'op.execute("ALTER TABLE orders ADD COLUMN x INT, ALGORITHM=COPY")',
               'op.execute("ALTER TABLE orders ADD COLUMN x INT, ALGORITHM=INSTANT")')],
    "RM121": [(("mysql:8.0.20",), 'op.execute("ALTER TABLE orders ADD COLUMN x INT AFTER ref")',
               'op.execute("ALTER TABLE orders ADD COLUMN x INT")')],
    "RM122": [(PG, "op.execute(\"ALTER TYPE status ADD VALUE 'new'\")",
               AC + "op.execute(\"ALTER TYPE status ADD VALUE 'new' AFTER 'ok'\")")],
    "RM123": [(("postgresql:14.2",), AC + 'op.create_index("ix_ref", "orders", ["ref"], '
               "postgresql_concurrently=True)",
               'op.create_index("ix_ref", "orders", ["ref"])')],
    "RM201": [(ALL, 'op.drop_column("orders", "note")',
               'op.add_column("orders", sa.Column("x", sa.Integer()))\n'
               'op.drop_column("orders", "x")')],
    "RM202": [(ALL, 'op.drop_table("orders")',
               'op.create_table("t", sa.Column("a", sa.Integer()))\nop.drop_table("t")')],
    "RM203": [
        (PG, 'op.execute("ALTER TABLE account RENAME email TO email_address")',
         'op.alter_column("account", "email", nullable=True)'),
        (MY + LITE, 'op.alter_column("account", "email", new_column_name="mail", '
         "existing_type=sa.String(50))",
         'op.alter_column("account", "email", nullable=True, existing_type=sa.String(50))'),
    ],
    "RM204": [(ALL, 'op.rename_table("orders", "purchase")',
               'op.rename_table("orders", "purchase")\n'
               'op.execute("CREATE VIEW orders AS SELECT * FROM purchase")')],
    "RM205": [(MY, 'op.add_column("orders", sa.Column("n", sa.BigInteger(), sa.Identity()))',
               'op.add_column("orders", sa.Column("n", sa.Integer(), server_default="0"))'),
              (ALL, 'op.add_column("orders", sa.Column("n", sa.Integer(), nullable=False))',
               'op.add_column("orders", sa.Column("n", sa.Integer(), nullable=False, '
               'server_default="0"))')],
    "RM206": [(ALL, 'op.alter_column("account", "name", nullable=True, '
               "existing_type=sa.String(50))",
               'op.alter_column("account", "email", nullable=True, existing_type=sa.String(50))'),
              (MY, 'op.alter_column("account", "name", new_column_name="full_name", '
               "existing_type=sa.String(50))",
               'op.alter_column("account", "name", new_column_name="full_name", '
               "existing_type=sa.String(50), existing_nullable=False)")],
    "RM207": [(ALL, 'op.create_index("uq_ref", "orders", ["ref"], unique=True)',
               'op.create_index("ix_ref", "orders", ["ref"])')],
    "RM208": [(ALL, 'op.alter_column("orders", "ref", type_=sa.Integer(), '
               "existing_type=sa.String(20))",
               'op.alter_column("orders", "id", type_=sa.BigInteger(), '
               "existing_type=sa.Integer())")],
    "RM209": [
        (PG, "op.execute(\"ALTER TYPE status RENAME VALUE 'meh' TO 'so-so'\")",
         "op.execute(\"ALTER TYPE status ADD VALUE 'new'\")"),
        (MY, 'op.alter_column("account", "status", type_=sa.Enum("ok", "sad"))',
         'op.alter_column("account", "status", type_=sa.Enum("ok", "meh", "sad", "new"))'),
    ],
    "RM210": [(PG, 'op.execute("ALTER SCHEMA sales RENAME TO billing")',
               'op.execute("CREATE SCHEMA billing")')],
    "RM211": [(PG, 'op.add_column("orders", sa.Column("data", sa.JSON()))',
               'op.add_column("orders", sa.Column("data", postgresql.JSONB()))')],
    "RM301": [(ALL, 'op.execute("DROP SCHEMA reporting CASCADE")',
               'op.execute("CREATE SCHEMA reporting")')],
    "RM302": [(PG, 'op.execute("TRUNCATE account CASCADE")', 'op.execute("TRUNCATE orders")')],
    "RM303": [(ALL, 'op.drop_column("account", "email")\n'
               'op.add_column("account", sa.Column("email_address", sa.String(50)))',
               'op.alter_column("account", "email", new_column_name="email_address", '
               "existing_type=sa.String(50))")],
    "RM304": [(ALL, 'op.drop_constraint("fk_orders", "orders", type_="foreignkey")',
               'op.drop_constraint("ck_something", "orders", type_="check")')],
    "RM305": [(ALL, 'op.alter_column("account", "name", type_=sa.String(20), '
               "existing_type=sa.String(50))",
               'op.alter_column("orders", "total", type_=sa.Numeric(12, 2), '
               "existing_type=sa.Numeric(10, 2))")],
    "RM306": [(LITE, 'with op.batch_alter_table("account") as b:\n'
               '    b.alter_column("email", type_=sa.String(80))',
               'with op.batch_alter_table("orders") as b:\n'
               '    b.alter_column("ref", type_=sa.String(80))')],
}

# Families 4 to 7 (RM6xx are opt-in; the test enables the rule under test).
CASES.update({
    "RM401": [(ALL, 'op.create_unique_constraint("uq_ref", "orders", ["ref"])',
               'op.create_table("t", sa.Column("a", sa.Integer()))\n'
               'op.create_unique_constraint("uq_a", "t", ["a"])')],
    "RM402": [(ALL, 'op.alter_column("account", "email", nullable=False, '
               "existing_type=sa.String(50))",
               'op.alter_column("account", "name", nullable=False, existing_type=sa.String(50))'),
              # a fill of only some NULLs is still flagged; the fill migrate writes is not
              (ALL, "op.execute(\"UPDATE account SET email = 'x' WHERE email IS NULL AND id<9\")\n"
               'op.alter_column("account", "email", nullable=False, existing_type=sa.String(50))',
               '_t = sa.table("account", sa.column("email", sa.String(50)))\n'
               'op.execute(_t.update().where(_t.c["email"].is_(None)).values({"email": "x"}))\n'
               'op.alter_column("account", "email", nullable=False, existing_type=sa.String(50))')],
    "RM403": [(ALL, 'op.alter_column("orders", "ref", type_=sa.Integer(), '
               "existing_type=sa.String(20))",
               'op.alter_column("orders", "ref", type_=sa.String(40), '
               "existing_type=sa.String(20))")],
    "RM501": [
        (MY, 'op.add_column("orders", sa.Column("a", sa.Integer()))\n'
         'op.add_column("orders", sa.Column("b", sa.Integer()))',
         'op.add_column("orders", sa.Column("a", sa.Integer()), if_not_exists=True)\n'
         'op.add_column("orders", sa.Column("b", sa.Integer()))'),
        # A rename is no restatement: the retry finds no column of the old name.
        (MY, 'op.alter_column("orders", "ref", new_column_name="code", '
         'existing_type=sa.String(20))\nop.drop_column("orders", "note")',
         'op.alter_column("orders", "ref", type_=sa.String(40), existing_type=sa.String(20))'
         '\nop.drop_column("orders", "note")'),
        (PG, AC + 'op.create_index("ix_ref", "orders", ["ref"], postgresql_concurrently=True)',
         AC + 'op.create_index("ix_ref", "orders", ["ref"], postgresql_concurrently=True, '
         "if_not_exists=True)"),
    ],
    "RM502": [(ALL, 'op.execute("COMMIT")', 'op.execute("SELECT 1")')],
    "RM503": [(ALL, 'op.execute("ALTER TABLE orders SET (fillfactor = 70)")',
               'op.execute("COMMENT ON TABLE orders IS \'x\'")')],
    "RM504": [(ALL, 'op.add_column("orders", sa.Column("x", sa.Integer()))\n'
               'op.execute("UPDATE orders SET ref = lower(ref)")',
               'op.execute("UPDATE orders SET ref = lower(ref)")')],
    "RM505": [(ALL, "from myapp.models import Account  # noqa\n"
               'op.drop_column("orders", "note")',
               "import datetime  # noqa\nop.drop_column(\"orders\", \"note\")")],
    "RM511": [(PG + MY, 'op.add_column("orders", sa.Column("x", sa.Integer()))',
               'op.execute("SET lock_timeout = \'5s\'")\n'
               'op.execute("SET SESSION lock_wait_timeout = 5")\n'
               'op.add_column("orders", sa.Column("x", sa.Integer()))')],
    "RM512": [(PG + MY, 'op.add_column("orders", sa.Column("x", sa.Integer()))',
               'op.execute("SET statement_timeout = \'15min\'")\n'
               'op.execute("SET SESSION max_statement_time = 900")\n'
               'op.add_column("orders", sa.Column("x", sa.Integer()))')],
    "RM601": [(PG + MY, 'op.create_table("t", sa.Column("id", sa.Integer(), primary_key=True))',
               'op.create_table("t", sa.Column("id", sa.BigInteger(), primary_key=True))')],
    "RM602": [(PG, 'op.create_table("t", sa.Column("id", sa.BigInteger(), primary_key=True))',
               'op.create_table("t", sa.Column("id", sa.BigInteger(), sa.Identity(), '
               "primary_key=True))")],
    "RM603": [(PG, 'op.add_column("orders", sa.Column("code", sa.CHAR(3)))',
               'op.add_column("orders", sa.Column("code", sa.Text()))')],
    "RM604": [(PG, 'op.add_column("orders", sa.Column("at", sa.DateTime()))',
               'op.add_column("orders", sa.Column("at", sa.DateTime(timezone=True)))')],
    "RM605": [(PG + MY, 'op.create_index("ix_' + "x" * 70 + '", "orders", ["ref"])',
               'op.create_index("ix_ok", "orders", ["ref"])')],
    "RM606": [(ALL, 'op.create_index("ix_w", "orders", ["id", "ref", "total", "note"])',
               'op.create_index("ix_w", "orders", ["id", "ref", "total", "note"], unique=True)')],
    "RM607": [(PG, 'op.add_column("orders", sa.Column("x", sa.Integer()))',
               'op.add_column("orders", sa.Column("x", sa.Integer()), schema="public")')],
    "RM608": [(PG, 'op.create_table("t", sa.Column("flag", sa.Boolean()), '
               'sa.Column("n", sa.BigInteger()))',
               'op.create_table("t", sa.Column("n", sa.BigInteger()), '
               'sa.Column("flag", sa.Boolean()))')],
})

_FAMILY = {"postgresql": "postgresql", "mariadb": "mysql", "mysql": "mysql", "sqlite": "sqlite"}


def _params() -> list[object]:
    params = []
    for rule_id, cases in sorted(CASES.items()):
        for number, (targets, flagged, clean) in enumerate(cases):
            for target in targets:
                params.append(pytest.param(rule_id, target, flagged, clean,
                                           id=f"{rule_id}-{target}-{number}"))
    return params


@pytest.mark.parametrize(("rule_id", "target", "flagged", "clean"), _params())
def test_rule_flags_the_unsafe_case_and_not_the_safe_one(
    lint_code: LintCode, rule_id: str, target: str, flagged: str, clean: str
) -> None:
    bad = lint_code(target, flagged, enable=(rule_id,))
    assert rule_id in {f.rule_id for f in bad.findings}, (
        f"{rule_id} missed on {target}: {[(f.rule_id, f.message) for f in bad.findings]}"
    )
    found = next(f for f in bad.findings if f.rule_id == rule_id)
    assert found.line > 0 and found.path.endswith("r1_step.py")
    good = lint_code(target, clean, enable=(rule_id,))
    assert rule_id not in {f.rule_id for f in good.findings}, (
        f"{rule_id} false alarm on {target}: "
        f"{[f.message for f in good.findings if f.rule_id == rule_id]}"
    )


def test_every_rule_has_cases_on_each_of_its_databases() -> None:
    for info in all_rules():
        if info.id in SEPARATELY_TESTED:
            continue
        covered = {_FAMILY[Target.parse(t).name] for targets, _, _ in CASES.get(info.id, [])
                   for t in targets}
        missing = set(info.dialects) - covered
        assert not missing, f"{info.id} has no test case for {sorted(missing)}"


FILL = (  # what `flask db migrate --default orders.x=1` writes
    'op.add_column("orders", sa.Column("x", sa.Integer(), nullable=True))\n'
    'op.execute("UPDATE orders SET x = 1 WHERE x IS NULL")\n'
    'op.alter_column("orders", "x", existing_type=sa.Integer(), nullable=False)'
)


# Operations that are unsafe elsewhere but not on these databases (measured).
NOT_ON: list[tuple[str, str, str]] = [
    ("RM101", "mariadb", 'op.create_index("ix_ref", "orders", ["ref"])'),  # online on MariaDB
    ("RM108", "postgresql", 'op.alter_column("orders", "ref", type_=sa.Text())'),
    ("RM108", "postgresql", 'op.alter_column("orders", "total", type_=sa.Numeric(14, 2))'),
    ("RM108", "mariadb", 'op.alter_column("account", "status", '
     'type_=sa.Enum("ok", "meh", "sad", "new"))'),  # ENUM append is INSTANT
    ("RM205", "postgresql", 'op.create_table("t", sa.Column("a", sa.Integer(), nullable=False))\n'
     'op.add_column("t", sa.Column("b", sa.Integer(), nullable=False))'),
    # What the schema of the revision itself says: a column added here holds no data yet.
    *[(rule_id, target, FILL) for rule_id in ("RM504", "RM109", "RM402") for target in ALL],
    # (RM116 still holds for FILL: the UPDATE rewrites every row under the ALTER's lock.)
    *[(rule_id, target, 'op.add_column("orders", sa.Column("code", sa.String(8)))\n'
       'op.create_index("ix_code", "orders", ["code"], unique=True)')
      for rule_id in ("RM401", "RM207") for target in ALL],
    # Types compared as the target declares them.
    ("RM108", "sqlite", 'with op.batch_alter_table("orders") as b:\n'
     '    b.alter_column("ref", type_=sa.String(200))'),
    ("RM108", "sqlite", 'with op.batch_alter_table("orders") as b:\n    b.alter_column("id", '
     'type_=sa.BigInteger().with_variant(sa.INTEGER(), "sqlite"))'),
    ("RM108", "mariadb", 'op.alter_column("orders", "ref", new_column_name="code", '
     "existing_type=sa.VARCHAR(length=20))"),
    ("RM108", "mariadb", "from sqlalchemy.dialects import mysql\n"
     'op.alter_column("orders", "id", new_column_name="key", '
     "existing_type=mysql.INTEGER(display_width=11))"),
    # Statements that create what did not exist, and the online operations' own statements.
    ("RM501", "mariadb", 'op.create_table("t", sa.Column("a", sa.Integer()))\n'
     'op.create_index("ix_t_a", "t", ["a"])\nop.create_table("u", sa.Column("b", sa.Integer()))'),
    ("RM501", "postgresql", 'op.create_index_online("ix_ref", "orders", ["ref"])'),
    # MODIFY states the column's definition: a retry after the DROP failed runs it again.
    ("RM501", "mariadb", 'op.alter_column("orders", "ref", type_=sa.String(40), '
     'existing_type=sa.String(20))\nop.alter_column("orders", "total", nullable=False, '
     'existing_type=sa.Numeric(10, 2))\nop.drop_column("orders", "note")'),
    ("RM501", "mariadb", 'op.create_index_online("ix_ref", "orders", ["ref"])'),
]



@pytest.mark.parametrize(("rule_id", "target", "code"), NOT_ON)
def test_safe_on_this_database(lint_code: LintCode, rule_id: str, target: str, code: str) -> None:
    report = lint_code(target, code)
    assert rule_id not in {f.rule_id for f in report.findings}


DOWNGRADE_EMPTY = "def downgrade():\n    pass\n"


@pytest.mark.parametrize("target", ALL)
def test_rm506_empty_downgrade(tmp_path: Path, target: str) -> None:
    ids = write_revisions(tmp_path, BASE, 'op.drop_column("orders", "note")')
    path = tmp_path / "versions" / "r1_step.py"
    text = path.read_text()
    path.write_text(text[: text.index("def downgrade")] + DOWNGRADE_EMPTY)
    flagged = lint_directory(tmp_path, Target.parse(target), ids[1])
    assert "RM506" in {f.rule_id for f in flagged.findings}
    clean = lint_directory(tmp_path, Target.parse(target), ids[0])  # downgrade drops a table
    assert "RM506" not in {f.rule_id for f in clean.findings}


@pytest.mark.parametrize("target", ALL)
def test_rm701_multiple_heads(tmp_path: Path, target: str) -> None:
    write_revisions(tmp_path, BASE, 'op.drop_column("orders", "note")')
    assert "RM701" not in {f.rule_id for f in lint_directory(tmp_path, Target.parse(target))
                           .findings}
    branch = (tmp_path / "versions" / "r1_step.py").read_text().replace(
        "revision = 'r1'", "revision = 'r9'")
    (tmp_path / "versions" / "r9_step.py").write_text(branch)
    report = lint_directory(tmp_path, Target.parse(target))
    found = [f for f in report.findings if f.rule_id == "RM701"]
    assert found and "r1" in found[0].message and "r9" in found[0].message


SEPARATELY_TESTED = {"RM506", "RM701"}


@pytest.mark.parametrize(
    "module", ["from migrations.helpers import fill", "from helpers import fill",
               "import migrations.helpers", "from shared.batches import fill",
               "from shared import batches", "import migrations.shared"]
)
def test_helpers_from_the_migrations_folder_are_not_app_imports(
    tmp_path: Path, module: str
) -> None:
    folder = tmp_path / "migrations"
    ids = write_revisions(folder, BASE, f"{module}  # noqa\n" 'op.drop_column("orders", "note")')
    (folder / "helpers.py").write_text("def fill(): pass\n")
    (folder / "shared").mkdir()
    (folder / "shared" / "__init__.py").write_text("")
    (folder / "shared" / "batches.py").write_text("def fill(): pass\n")
    (tmp_path / "myapp").mkdir()
    (tmp_path / "myapp" / "__init__.py").write_text("")
    report = lint_directory(folder, Target.parse("sqlite"), ids[-1])
    assert "RM505" not in {f.rule_id for f in report.findings}
    ids = write_revisions(folder, BASE, "from myapp import models  # noqa\nimport migrations_x")
    report = lint_directory(folder, Target.parse("sqlite"), ids[-1])
    assert [f.rule_id for f in report.findings if f.rule_id == "RM505"] == ["RM505", "RM505"]


def test_a_non_native_enum_is_judged_as_the_varchar_it_is(lint_code: LintCode) -> None:
    # Enum(native_enum=False) is VARCHAR(longest value): a new, longer value widens it.
    code = ('op.alter_column("orders", "ref", type_=sa.Enum("a", "bb", "ccccc", '
            'native_enum=False), existing_type=sa.Enum("a", "bb", native_enum=False))')
    for target in ("postgresql", "sqlite"):
        found = {f.rule_id for f in lint_code(target, code).findings}
        assert not found & {"RM108", "RM208", "RM403"}, (target, found)
    narrowed = ('op.alter_column("orders", "ref", type_=sa.Enum("a", "bb", native_enum=False), '
                'existing_type=sa.Enum("a", "bb", "ccccc", native_enum=False))')
    assert "RM305" in {f.rule_id for f in lint_code("postgresql", narrowed).findings}


# Shapes taken from false alarms in the labelled real-history corpus
# (tests/realapps/findings/): each is the smallest revision that showed one.


@pytest.mark.parametrize("target", ALL)
@pytest.mark.parametrize(
    "upgrade",
    ["op.execute(\"UPDATE orders SET note = 'n/a' WHERE note IS NULL\")",
     "pass"],  # a data fix; a merge revision
)
def test_rm506_not_after_an_upgrade_that_kept_the_schema(
    tmp_path: Path, target: str, upgrade: str
) -> None:
    ids = write_revisions(tmp_path, BASE, upgrade)
    path = tmp_path / "versions" / "r1_step.py"
    text = path.read_text()
    path.write_text(text[: text.index("def downgrade")] + DOWNGRADE_EMPTY)
    report = lint_directory(tmp_path, Target.parse(target), ids[1])
    assert "RM506" not in {f.rule_id for f in report.findings}
    # One schema operation among the data changes is enough to need a downgrade again.
    path.write_text(path.read_text().replace(
        "def downgrade", '    op.drop_column("orders", "note")\n\n\ndef downgrade', 1))
    report = lint_directory(tmp_path, Target.parse(target), ids[1])
    assert "RM506" in {f.rule_id for f in report.findings}


NEW_TABLE = (
    'op.add_column("orders", sa.Column("x", sa.Integer()))\n'
    'op.create_table("t", sa.Column("a", sa.Integer()))\n'
)


def test_rm116_not_for_an_index_on_a_table_still_empty(lint_code: LintCode) -> None:
    index = 'op.create_index("ix_t_a", "t", ["a"])'
    report = lint_code("postgresql", NEW_TABLE + index)
    assert "RM116" not in {f.rule_id for f in report.findings}
    # Filled from a table that has rows, the new table's index build is slow work again.
    filled = NEW_TABLE + 'op.execute("INSERT INTO t (a) SELECT id FROM orders")\n' + index
    lines = {f.line for f in lint_code("postgresql", filled).findings if f.rule_id == "RM116"}
    assert len(lines) == 2, lines  # the INSERT ... SELECT and the index build


STATUS_NARROWED = ('op.alter_column("account", "status", type_=sa.Enum("ok", "sad", '
                   'name="status"), existing_type=sa.Enum("ok", "meh", "sad", name="status"))')


def test_rm305_not_for_a_postgresql_enum_that_keeps_its_type(lint_code: LintCode) -> None:
    found = {f.rule_id for f in lint_code("postgresql", STATUS_NARROWED).findings}
    assert "RM305" not in found and "RM209" in found  # the code still loses the value
    # MariaDB redeclares the column's ENUM: rows holding 'meh' are refused or cut.
    assert "RM305" in {f.rule_id for f in lint_code("mariadb", STATUS_NARROWED).findings}
    renamed = STATUS_NARROWED.replace('name="status"), existing', 'name="status2"), existing')
    assert "RM305" in {f.rule_id for f in lint_code("postgresql", renamed).findings}


def test_an_unknown_new_type_is_no_change_of_kind(lint_code: LintCode) -> None:
    # FitTrackee recreates an enum by raw SQL to add a value, then casts the column to it.
    code = ('op.execute("CREATE TYPE mood AS ENUM (\'ok\', \'meh\', \'sad\', \'new\')")\n'
            'op.execute("ALTER TABLE account ALTER COLUMN status TYPE mood '
            'USING status::text::mood")')
    found = {f.rule_id for f in lint_code("postgresql", code).findings}
    assert not found & {"RM208", "RM403"}, found
    assert "RM108" in found  # a cast to another type still rewrites the table


_RENAMED_INDEXED_COLUMN = """\
op.drop_index("{dropped}", table_name="account")
op.alter_column("account", "email", new_column_name="mail", existing_type=sa.String(120))
op.create_index("uq_account_mail", "account", ["mail"], unique=True)
"""


@pytest.mark.parametrize("target", ALL)
@pytest.mark.parametrize(
    ("dropped", "new_uniqueness"),
    [("uq_account_email", False), ("ix_account_email", True)],
    ids=["was-unique", "was-not-unique"],
)
def test_a_unique_index_made_again_after_a_rename_adds_no_uniqueness(
    lint_code: LintCode, target: str, dropped: str, new_uniqueness: bool
) -> None:
    # What `migrate --rename account.email=mail` writes for an indexed unique column: the old
    # index dropped, the column renamed, the index made again under the new column's name.
    base = BASE + 'op.create_index("uq_account_email", "account", ["email"], unique=True)\n'
    report = lint_code(target, _RENAMED_INDEXED_COLUMN.format(dropped=dropped), base=base)
    found = {f.rule_id for f in report.findings} & {"RM207", "RM401"}
    assert found == ({"RM207", "RM401"} if new_uniqueness else set()), report.findings


@pytest.mark.parametrize(
    "where", ['sa.text("total > 0")', 'sa.column("total") > 0'], ids=["text", "expression"]
)
def test_rm103_fix_keeps_a_partial_index_condition_as_code(lint_code: LintCode, where: str) -> None:
    body = ('op.create_index("ix_ref", "orders", ["ref"], postgresql_concurrently=True, '
            f"postgresql_where={where})")
    [found] = [f for f in lint_code("postgresql", body).findings if f.rule_id == "RM103"]
    assert found.fix is not None
    compile(found.fix, "<fix>", "exec")
    assert "postgresql_where=sa.text('total > 0')" in found.fix, found.fix


# A fill written per row: the loop runs over rows the replay does not have (it has none).
_PER_ROW = (
    "bind = op.get_bind()\n"
    "for row in bind.execute(sa.text('SELECT id FROM account')):\n"
    "    op.execute(f\"UPDATE account SET {column} = 'x' WHERE account.id = {{row.id}}\")\n"
    'op.alter_column("account", "email", nullable=False, existing_type=sa.String(50))'
)


@pytest.mark.parametrize("target", ALL)
def test_rm402_trusts_a_fill_written_per_row_in_a_loop(lint_code: LintCode, target: str) -> None:
    filled = lint_code(target, _PER_ROW.format(column="email"))
    assert "RM402" not in {f.rule_id for f in filled.findings}
    # The loop fills another column: email may still be NULL.
    other = lint_code(target, _PER_ROW.format(column="name"))
    assert "RM402" in {f.rule_id for f in other.findings}


_NARROWED_THEN_SET = (
    "with op.batch_alter_table('account') as b:\n"
    "    b.alter_column('status', type_=sa.Enum('ok', 'meh', name='status'{check}))\n"
    "op.execute(\"UPDATE account SET status = 'ok' WHERE status = 'sad'\")"
)


def test_rm305_on_sqlite_trusts_a_later_update_when_nothing_is_enforced(
    lint_code: LintCode,
) -> None:
    unchecked = lint_code("sqlite", _NARROWED_THEN_SET.format(check=""))
    assert "RM305" not in {f.rule_id for f in unchecked.findings}
    # A CHECK constraint made by the batch copy refuses the old values before the UPDATE.
    checked = lint_code("sqlite", _NARROWED_THEN_SET.format(check=", create_constraint=True"))
    assert "RM305" in {f.rule_id for f in checked.findings}
    # Without the UPDATE the old values stay, which the model no longer allows.
    alone = lint_code("sqlite", _NARROWED_THEN_SET.format(check="").rsplit("\n", 1)[0])
    assert "RM305" in {f.rule_id for f in alone.findings}
