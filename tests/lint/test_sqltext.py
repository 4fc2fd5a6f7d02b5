"""The raw-SQL reader: every shape of its tables reads its statement and leaves a near miss.

Each case names a shape of :data:`~flask_remodel.lint.sqltext.STATEMENTS`,
:data:`~flask_remodel.lint.sqltext.ALTER_TABLE_ACTIONS` (the text is one
action of ``ALTER TABLE t``) or :data:`~flask_remodel.lint.sqltext.ADDED_CONSTRAINTS`
(the text follows ``ALTER TABLE t ADD [CONSTRAINT name]``), a statement that
shape reads (and what it becomes: an Alembic operation class or a
``SqlStatement`` kind) and a look-alike it must leave to another shape or to
nobody. ``test_every_shape_has_a_case`` fails when a shape has no case.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from alembic.operations import ops

from flask_remodel.lint.sqltext import ADDED_CONSTRAINTS
from flask_remodel.lint.sqltext import ALTER_TABLE_ACTIONS
from flask_remodel.lint.sqltext import STATEMENTS
from flask_remodel.lint.sqltext import Scope
from flask_remodel.lint.sqltext import Shape
from flask_remodel.lint.sqltext import SqlStatement
from flask_remodel.lint.sqltext import read_statement
from flask_remodel.lint.sqltext import split_statements
from flask_remodel.lint.sqltext import statements_from

TABLES: dict[str, Sequence[Shape]] = {
    "statement": STATEMENTS,
    "action": ALTER_TABLE_ACTIONS,
    "constraint": ADDED_CONSTRAINTS,
}

# (table, shape kind) -> (statement it reads, what that becomes, near miss)
CASES: dict[tuple[str, str], tuple[str, str, str]] = {
    ("statement", "create_index"): (
        "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ix ON s.t USING btree (a, b)",
        "CreateIndexOp",
        "CREATE INDEX ix ON t",
    ),
    ("statement", "drop_index"): (
        "DROP INDEX CONCURRENTLY IF EXISTS ix", "DropIndexOp", "DROP INDEXES ix",
    ),
    ("statement", "alter_table"): ("ALTER TABLE ONLY t DROP COLUMN c", "DropColumnOp",
                                   "ALTER TABLE t"),
    ("statement", "rename_table"): ("RENAME TABLE a TO b", "RenameTableOp", "RENAME TABLE a b"),
    ("statement", "drop_table"): (
        "DROP TABLE IF EXISTS a, b CASCADE", "DropTableOp", "DROP TABLESPACE ts",
    ),
    ("statement", "create_table"): (
        "CREATE UNLOGGED TABLE IF NOT EXISTS t (id int)",
        "CreateTableOp",
        "CREATE TABLESPACE ts LOCATION '/x'",
    ),
    ("statement", "truncate"): ("TRUNCATE TABLE ONLY t CASCADE", "truncate", "TRUNCATE"),
    ("statement", "drop_schema"): ("DROP SCHEMA IF EXISTS s CASCADE", "drop_schema",
                                   "DROP SCHEMA"),
    ("statement", "rename_schema"): (
        "ALTER SCHEMA s RENAME TO t", "rename_schema", "ALTER SCHEMA s OWNER TO bob",
    ),
    ("statement", "reindex"): ("REINDEX (VERBOSE) INDEX CONCURRENTLY ix", "reindex", "REINDEX ix"),
    ("statement", "rewrite_maintenance"): (
        "VACUUM (FULL, ANALYZE) t", "rewrite_maintenance", "VACUUM ANALYZE t",
    ),
    ("statement", "domain_constraint"): (
        "CREATE DOMAIN d AS int CHECK (VALUE > 0)", "domain_constraint", "CREATE DOMAIN d AS int",
    ),
    ("statement", "enum_add_value"): (
        "ALTER TYPE status ADD VALUE IF NOT EXISTS 'new' AFTER 'ok'",
        "enum_add_value",
        "ALTER TYPE status ADD ATTRIBUTE a int",
    ),
    ("statement", "enum_rename_value"): (
        "ALTER TYPE status RENAME VALUE 'a' TO 'b'",
        "enum_rename_value",
        "ALTER TYPE status RENAME TO status2",
    ),
    ("statement", "transaction_control"): (
        "COMMIT", "transaction_control", "BEGIN ATOMIC SELECT 1",
    ),
    ("statement", "set"): ("SET LOCAL lock_timeout = '5s'", "set", "RESET lock_timeout"),
    ("statement", "dml"): (
        "DELETE FROM ONLY t WHERE a = 1", "dml", "DELETE t FROM t JOIN u ON u.id = t.id",
    ),
    ("statement", "harmless"): (
        "CREATE OR REPLACE VIEW v AS SELECT 1",
        "harmless",
        "CREATE RULE r AS ON INSERT TO t DO NOTHING",
    ),
    ("action", "add_constraint"): (
        "ADD CONSTRAINT ck CHECK (a > 0) NOT VALID",
        "CreateCheckConstraintOp",
        "ADD COLUMN check_me int",
    ),
    ("action", "add_column"): (
        "ADD COLUMN IF NOT EXISTS c int NOT NULL",
        "AddColumnOp",
        "ADD CONSTRAINT pk PRIMARY KEY (id)",
    ),
    ("action", "drop_constraint"): (
        "DROP CONSTRAINT IF EXISTS ck", "DropConstraintOp", "DROP COLUMN c",
    ),
    ("action", "drop_index"): ("DROP INDEX ix", "DropIndexOp", "DROP PRIMARY KEY"),
    ("action", "drop_primary_key"): ("DROP PRIMARY KEY", "DropConstraintOp", "DROP primary_ref"),
    ("action", "drop_column"): (
        "DROP COLUMN IF EXISTS c", "DropColumnOp", "DROP CONSTRAINT ck",
    ),
    ("action", "rename_table"): ("RENAME TO u", "RenameTableOp", "RENAME COLUMN a TO b"),
    ("action", "rename_column"): (
        "RENAME COLUMN a TO b", "AlterColumnOp", "RENAME CONSTRAINT a TO b",
    ),
    ("action", "rename_index"): (
        "RENAME INDEX ix TO ix2", "rename_index", "RENAME key_id TO k",
    ),
    ("action", "alter_column_type"): (
        "ALTER COLUMN a SET DATA TYPE bigint", "AlterColumnOp", "ALTER COLUMN a SET DEFAULT 0",
    ),
    ("action", "alter_column_null"): (
        "ALTER COLUMN a SET NOT NULL", "AlterColumnOp", "ALTER COLUMN a DROP DEFAULT",
    ),
    ("action", "alter_column_default"): (
        "ALTER a SET DEFAULT now()", "set_default", "ALTER COLUMN a SET STATISTICS 100",
    ),
    ("action", "modify_column"): (
        "CHANGE COLUMN old new varchar(10) NOT NULL", "AlterColumnOp", "MODIFY c",
    ),
    ("action", "validate_constraint"): (
        "VALIDATE CONSTRAINT ck", "validate_constraint", "VALIDATE ck",
    ),
    ("action", "detach_partition"): (
        "DETACH PARTITION p CONCURRENTLY",
        "detach_partition",
        "ATTACH PARTITION p FOR VALUES IN (1)",
    ),
    ("action", "mysql_alter_option"): (
        "ALGORITHM=INSTANT", "mysql_alter_option", "ENGINE=InnoDB",
    ),
    ("constraint", "check"): (
        "CHECK (a > 0)", "CreateCheckConstraintOp", "FOREIGN KEY (check_id) REFERENCES c (id)",
    ),
    ("constraint", "foreign_key"): (
        "FOREIGN KEY (a) REFERENCES u (id) ON DELETE CASCADE",
        "CreateForeignKeyOp",
        "FOREIGN KEY (a) REFERENCES u",
    ),
    ("constraint", "add_constraint_using_index"): (
        "UNIQUE USING INDEX ix", "add_constraint_using_index", "UNIQUE (a)",
    ),
    ("constraint", "unique"): (
        "UNIQUE KEY uq (a, b)", "CreateUniqueConstraintOp", "UNIQUE USING INDEX ix",
    ),
    ("constraint", "primary_key"): (
        "PRIMARY KEY (id)", "CreatePrimaryKeyOp", "PRIMARY KEY USING INDEX ix",
    ),
    ("constraint", "add_exclusion"): (
        "EXCLUDE USING gist (r WITH &&)", "add_exclusion", "EXCLUSIVE (a)",
    ),
    ("constraint", "index"): ("INDEX ix_a (a)", "CreateIndexOp", "INDEX (a)"),
}


def _scope(table: str, text: str) -> Scope:
    if table == "statement":
        return Scope(text)
    prefix = "ALTER TABLE t " + ("ADD CONSTRAINT c " if table == "constraint" else "")
    return Scope(prefix + text, table="t", constraint="c" if table == "constraint" else None)


def _reader(table: str, text: str) -> tuple[str | None, list[Any] | None]:
    """The kind of the first shape of *table* that reads *text*, and what it built."""
    scope = _scope(table, text)
    for candidate in TABLES[table]:
        built = candidate.read(text, scope)
        if built is not None:
            return candidate.kind, built
    return None, None


def _what(operation: Any) -> str:
    return operation.kind if isinstance(operation, SqlStatement) else type(operation).__name__


def test_every_shape_has_a_case() -> None:
    shapes = {(table, s.kind) for table, shapes in TABLES.items() for s in shapes}
    assert sorted(shapes - set(CASES)) == []
    assert sorted(set(CASES) - shapes) == []
    for shapes_of_table in TABLES.values():
        kinds = [s.kind for s in shapes_of_table]
        assert len(kinds) == len(set(kinds))


@pytest.mark.parametrize(("table", "kind"), sorted(CASES), ids=lambda v: str(v))
def test_shape_reads_its_statement(table: str, kind: str) -> None:
    text, what, _ = CASES[table, kind]
    found, built = _reader(table, text)
    assert found == kind
    assert built is not None and [_what(op) for op in built][:1] == [what]
    # Lower case reads the same.
    assert _reader(table, text.lower())[0] == kind


@pytest.mark.parametrize(("table", "kind"), sorted(CASES), ids=lambda v: str(v))
def test_shape_leaves_its_near_miss(table: str, kind: str) -> None:
    _, _, near_miss = CASES[table, kind]
    assert _reader(table, near_miss)[0] != kind


def test_unmatched_statement_and_action() -> None:
    assert _what(read_statement("FROBNICATE t")[0]) == "unknown"
    (other,) = read_statement("ALTER TABLE t OWNER TO bob")
    assert (other.kind, other.table) == ("alter_table_other", "t")


def test_constraint_that_is_no_known_kind_is_read_as_a_column() -> None:
    # ADD [CONSTRAINT name] <body> that no constraint shape reads goes on to ADD COLUMN.
    (op,) = read_statement("ALTER TABLE t ADD INDEX (a)")
    assert isinstance(op, ops.AddColumnOp)


def test_actions_keep_their_order_and_table() -> None:
    found = read_statement(
        "ALTER TABLE s.t ADD COLUMN c text DEFAULT 'a, b', ALTER COLUMN d SET NOT NULL, "
        "ADD CONSTRAINT fk FOREIGN KEY (c) REFERENCES u (id) NOT VALID, ALGORITHM=INPLACE"
    )
    assert [_what(op) for op in found] == [
        "AddColumnOp", "AlterColumnOp", "CreateForeignKeyOp", "mysql_alter_option",
    ]
    add, alter, fk, option = found
    assert add.table_name == alter.table_name == fk.source_table == option.table == "t"
    assert str(add.column.server_default.arg) == "'a, b'"
    assert alter.modify_nullable is False
    assert (fk.constraint_name, fk.kw["postgresql_not_valid"]) == ("fk", True)
    assert option.details == {"option": "ALGORITHM", "value": "INPLACE"}


@pytest.mark.parametrize(
    ("text", "statements"),
    [
        ("SELECT 1; SELECT 2;", ["SELECT 1", "SELECT 2"]),
        ("SELECT ';' -- ; comment\n; SELECT 2", ["SELECT ';'", "SELECT 2"]),
        ("SELECT 'it''s;'; x/* ; */y", ["SELECT 'it''s;'", "x y"]),
        ("SELECT $$a;b$$; SELECT $q$ ; $$ ; $q$", ["SELECT $$a;b$$", "SELECT $q$ ; $$ ; $q$"]),
        ('SELECT "a;b", `c;d`; SELECT $1', ['SELECT "a;b", `c;d`', "SELECT $1"]),
        ("SELECT 'unterminated; SELECT 2", ["SELECT 'unterminated; SELECT 2"]),
        ("/* unterminated ; SELECT 2", []),
        (";;  ;\n", []),
        # a routine body is one statement; END IF closes no block; a transaction is no body
        ("CREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW BEGIN IF NEW.x IS NULL THEN "
         "SET NEW.x = 1; END IF; END; SELECT 2",
         ["CREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW BEGIN IF NEW.x IS NULL THEN "
          "SET NEW.x = 1; END IF; END", "SELECT 2"]),
        ("CREATE PROCEDURE p() BEGIN SELECT CASE WHEN 1 THEN 2 END; BEGIN SELECT 1; END; END;"
         " SELECT 3", ["CREATE PROCEDURE p() BEGIN SELECT CASE WHEN 1 THEN 2 END; BEGIN "
                       "SELECT 1; END; END", "SELECT 3"]),
        ("BEGIN; UPDATE a SET x = 1; COMMIT", ["BEGIN", "UPDATE a SET x = 1", "COMMIT"]),
    ],
)
def test_split_statements(text: str, statements: list[str]) -> None:
    assert split_statements(text) == statements


def test_statements_from_pairs_each_operation_with_its_statement() -> None:
    found = statements_from("DROP TABLE a, b; SET lock_timeout = '1s'")
    assert [(p.text, _what(p.operation)) for p in found] == [
        ("DROP TABLE a, b", "DropTableOp"),
        ("DROP TABLE a, b", "DropTableOp"),
        ("SET lock_timeout = '1s'", "set"),
    ]


@pytest.mark.parametrize("text", ["TRUNCATE (", 'DROP TABLE "', "DROP TABLE ``", "TRUNCATE ,"])
def test_malformed_statement_is_unknown_not_a_crash(text: str) -> None:
    (op,) = read_statement(text)
    assert isinstance(op, SqlStatement) and op.kind == "unknown" and op.text == text


_WORDS = (
    "ALTER", "TABLE", "ADD", "DROP", "COLUMN", "CONSTRAINT", "INDEX", "CREATE", "UNIQUE",
    "CONCURRENTLY", "ON", "TRUNCATE", "ONLY", "RENAME", "TO", "TYPE", "SET", "NOT", "NULL",
    "MODIFY", "CHANGE", "CHECK", "FOREIGN", "KEY", "REFERENCES", "UPDATE", "DELETE", "FROM",
    "VALIDATE", "REINDEX", "VACUUM", "FULL", "IF", "EXISTS", "CASCADE", "VARCHAR(", "t", "a",
    "(", ")", ",", '"', "`", "'", "$$", "--", "/*", "*/", ";", "=", ".", "\n",
)


def test_reader_never_crashes_on_random_text() -> None:
    # Seeded, so a failure names a text that can be replayed.
    import random

    rng = random.Random(16)
    for _ in range(3000):
        text = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 12)))
        if rng.random() < 0.3:
            text = text[: rng.randint(0, len(text))]
        for parsed in statements_from(text):
            assert isinstance(parsed.operation, (ops.MigrateOperation, SqlStatement)), text


def test_user_variables_and_type_renames_are_read() -> None:
    (saved,) = read_statement("SET @saved = @@foreign_key_checks, foreign_key_checks = 0")
    assert (saved.kind, saved.name) == ("set", "saved")
    (renamed,) = read_statement('ALTER TYPE "mood" RENAME TO "mood_old"')
    assert renamed.kind == "harmless"  # columns refer to the type, not its name
    (value,) = read_statement("ALTER TYPE mood RENAME VALUE 'a' TO 'b'")
    assert value.kind != "harmless"
