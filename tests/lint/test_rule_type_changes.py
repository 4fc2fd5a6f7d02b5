"""Edges of the type-change facts the rules share (``rules/_common.py``).

MariaDB/MySQL VARCHAR widening under utf8mb4 (4 bytes a character): a
column of at most 127 bytes (31 characters) or over 255 bytes (63
characters) keeps its length-prefix format and widens INSTANT, as does any
growth that stays within 255 bytes; a column of 128-255 bytes growing past
255 bytes is copied. Integer narrowing, literal defaults and the
PostgreSQL 11 boundary for ADD COLUMN ... DEFAULT.
"""

from __future__ import annotations

import pytest

from flask_remodel.lint import LintReport

from .conftest import BASE
from .conftest import LintCode


def _of(report: LintReport, rule_id: str) -> list[str]:
    return [f.message for f in report.findings if f.rule_id == rule_id]


COPY_PATH = (
    " On MariaDB/MySQL, op.alter_column_type_online copies it through "
    "pt-online-schema-change without blocking writes (docs/big-tables-mariadb.md)."
)
"""RM108's advice on MariaDB/MySQL: the table copy that does not block writes."""


def _copy_path(target: str) -> str:
    return COPY_PATH if target in ("mariadb", "mysql") else ""


def _widen(old: int, new: int) -> str:
    # "legacy" is not in the revision chain: existing_type is what the linter knows.
    return (f'op.alter_column("legacy", "code", type_=sa.String({new}), '
            f"existing_type=sa.String({old}))")


@pytest.mark.parametrize("target", ["mariadb", "mysql"])
@pytest.mark.parametrize(
    ("old", "new"),
    [
        (30, 100),  # 120 bytes (at most 127): any growth is in place
        (31, 100),  # 124 bytes, the widest with the short form
        (50, 60),  # 200 -> 240 bytes: stays within 255
        (50, 63),  # 252 bytes: the widest that stays within 255
        (64, 100),  # 256 bytes already has the 2-byte prefix
        (64, 65),
    ],
)
def test_mysql_varchar_widening_in_place(
    lint_code: LintCode, target: str, old: int, new: int
) -> None:
    report = lint_code(target, _widen(old, new))
    assert _of(report, "RM108") == []
    assert _of(report, "RM305") == []


@pytest.mark.parametrize("target", ["mariadb", "mysql"])
@pytest.mark.parametrize(
    ("old", "new"),
    [
        (32, 100),  # 128 bytes: the narrowest with a 1-byte prefix that must change
        (40, 64),  # 160 -> 256 bytes: one byte over
        (63, 64),  # 252 -> 256 bytes
        (50, 100),  # measured: COPY on MariaDB 10.11
    ],
)
def test_mysql_varchar_widening_past_255_bytes_copies(
    lint_code: LintCode, target: str, old: int, new: int
) -> None:
    report = lint_code(target, _widen(old, new))
    found = [f for f in report.findings if f.rule_id == "RM108"]
    assert [f.message for f in found] == [
        f"Changing legacy.code from String(length={old}) to String(length={new}) rewrites "
        "the table while it is locked. Use a new column (expand/contract) instead." + COPY_PATH
    ]
    assert found[0].lock == "ALGORITHM=COPY on legacy (writes blocked while the table is copied)"
    assert found[0].rewrites is True


def test_postgresql_varchar_widening_is_metadata_only(lint_code: LintCode) -> None:
    assert _of(lint_code("postgresql", _widen(40, 64)), "RM108") == []


@pytest.mark.parametrize("target", ["postgresql", "mariadb"])
@pytest.mark.parametrize(
    ("old", "new"),
    [("BigInteger", "Integer"), ("Integer", "SmallInteger"), ("BigInteger", "SmallInteger")],
)
def test_smaller_integer_is_narrowing(
    lint_code: LintCode, target: str, old: str, new: str
) -> None:
    code = f'op.alter_column("legacy", "n", type_=sa.{new}(), existing_type=sa.{old}())'
    report = lint_code(target, code)
    assert _of(report, "RM305") == [
        f"legacy.n narrows from {old}() to {new}(): existing values may be cut or refused. "
        "Check the data first, or migrate into a new column."
    ]
    assert _of(report, "RM108") == []  # a narrowing is RM305's, not a plain rewrite


@pytest.mark.parametrize("target", ["postgresql", "mariadb"])
@pytest.mark.parametrize(
    ("old", "new"),
    [("SmallInteger", "Integer"), ("Integer", "BigInteger"), ("SmallInteger", "BigInteger")],
)
def test_larger_integer_rewrites_but_does_not_narrow(
    lint_code: LintCode, target: str, old: str, new: str
) -> None:
    code = f'op.alter_column("legacy", "n", type_=sa.{new}(), existing_type=sa.{old}())'
    report = lint_code(target, code)
    assert _of(report, "RM305") == []
    assert _of(report, "RM108") == [
        f"Changing legacy.n from {old}() to {new}() rewrites the table while it is locked. "
        "Use a new column (expand/contract) instead." + _copy_path(target)
    ]


@pytest.mark.parametrize("target", ["mariadb", "mysql"])
@pytest.mark.parametrize("literal", ["TRUE", "False", "NULL", "true", "null", "(FALSE)"])
def test_mysql_literal_defaults_in_any_case_are_instant(
    lint_code: LintCode, target: str, literal: str
) -> None:
    code = (f'op.add_column("orders", sa.Column("flag", sa.Boolean(), '
            f'server_default=sa.text("{literal}")))')
    assert _of(lint_code(target, code), "RM105") == []


@pytest.mark.parametrize("literal", ["TRUE", "NULL"])
def test_sqlite_accepts_upper_case_literal_defaults(lint_code: LintCode, literal: str) -> None:
    code = (f'op.add_column("orders", sa.Column("flag", sa.Boolean(), '
            f'server_default=sa.text("{literal}")))')
    assert _of(lint_code("sqlite", code), "RM105") == []


@pytest.mark.parametrize("target", ["postgresql:11", "postgresql:12", "postgresql:11.2"])
def test_postgresql_11_adds_a_constant_default_without_rewrite(
    lint_code: LintCode, target: str
) -> None:
    code = 'op.add_column("orders", sa.Column("n", sa.Integer(), server_default="0"))'
    assert _of(lint_code(target, code), "RM105") == []


def test_postgresql_10_rewrites_for_any_default(lint_code: LintCode) -> None:
    code = 'op.add_column("orders", sa.Column("n", sa.Integer(), server_default="0"))'
    assert _of(lint_code("postgresql:10.23", code), "RM105") == [
        "ADD COLUMN n on orders: before PostgreSQL 11 any default rewrites the table, so the "
        "whole table is rewritten while it is locked. Add the column without the default, "
        "then backfill."
    ]


@pytest.mark.parametrize(
    ("target", "lock"),
    [
        ("postgresql", "ACCESS EXCLUSIVE on legacy (blocks reads and writes)"),
        ("mariadb", "ALGORITHM=COPY on legacy (writes blocked while the table is copied)"),
    ],
)
@pytest.mark.parametrize(
    ("old", "old_length", "new", "new_length"),
    [("CHAR", 10, "CHAR", 20), ("CHAR", 10, "String", 20), ("String", 10, "CHAR", 20)],
)
def test_a_char_column_of_a_new_length_is_rewritten(
    lint_code: LintCode, target: str, lock: str, old: str, old_length: int, new: str,
    new_length: int,
) -> None:
    # CHAR is stored padded: measured on PostgreSQL 15 (new relfilenode) and MariaDB
    # 10.11 (INSTANT and INPLACE refused) even for CHAR(10) -> CHAR(20).
    code = (f'op.alter_column("legacy", "code", type_=sa.{new}({new_length}), '
            f"existing_type=sa.{old}({old_length}))")
    found = [f for f in lint_code(target, code).findings if f.rule_id == "RM108"]
    assert [f.message for f in found] == [
        f"Changing legacy.code from {old}(length={old_length}) to {new}(length={new_length}) "
        "rewrites the table while it is locked. Use a new column (expand/contract) instead."
        + _copy_path(target)
    ]
    assert found[0].lock == lock


@pytest.mark.parametrize("target", ["postgresql", "mariadb"])
def test_a_varchar_to_unicode_widening_is_not_a_char_change(
    lint_code: LintCode, target: str
) -> None:
    code = 'op.alter_column("legacy", "code", type_=sa.Unicode(40), existing_type=sa.String(20))'
    assert _of(lint_code(target, code), "RM108") == []


STALE = "existing_type=String(length=20) is not the type of"
RENAME = 'op.alter_column("{table}", "{column}", new_column_name="n", existing_type=sa.String(20))'


@pytest.mark.parametrize(
    ("target", "base", "table", "column", "stale"),
    [
        ("mariadb", BASE, "account", "name", True),  # name is String(50)
        ("postgresql", BASE, "account", "name", False),  # only MariaDB re-declares it
        ("mariadb", "", "account", "name", False),  # the table is not known
        ("mariadb", 'op.create_table("t", sa.Column("x"))', "t", "x", False),  # type unknown
    ],
)
def test_stale_existing_type_rewrites_on_mysql(
    lint_code: LintCode, target: str, base: str, table: str, column: str, stale: bool
) -> None:
    code = RENAME.format(table=table, column=column)
    found = [f for f in lint_code(target, code, base=base).findings
             if f.rule_id == "RM108" and f.message.startswith(STALE)]
    assert [f.rewrites for f in found] == ([True] if stale else [])
