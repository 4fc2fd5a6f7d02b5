"""SQLite's type affinity of a declared type (``_types.sqlite_affinity``).

The rows are the examples of https://www.sqlite.org/datatype3.html, section 3.1.1,
plus its two surprises: ``FLOATING POINT`` is INTEGER (it holds "INT") and
``STRING`` is NUMERIC.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.types import UserDefinedType

from flask_remodel.lint.model import Target
from flask_remodel.lint.rules._types import sqlite_affinity


class Declared(UserDefinedType):  # type: ignore[type-arg]
    """A column type declared as *text*, verbatim."""

    cache_ok = True

    def __init__(self, text: str) -> None:
        self.text = text

    def get_col_spec(self, **kw: Any) -> str:
        return self.text


AFFINITY = [
    *[(name, "INTEGER") for name in ("INT", "INTEGER", "TINYINT", "SMALLINT", "MEDIUMINT",
                                     "BIGINT", "UNSIGNED BIG INT", "INT2", "INT8", "int")],
    *[(name, "TEXT") for name in ("CHARACTER(20)", "VARCHAR(255)", "VARYING CHARACTER(255)",
                                  "NCHAR(55)", "NATIVE CHARACTER(70)", "NVARCHAR(100)",
                                  "TEXT", "CLOB", "text")],
    ("BLOB", "BLOB"),
    ("", "BLOB"),
    *[(name, "REAL") for name in ("REAL", "DOUBLE", "DOUBLE PRECISION", "FLOAT")],
    *[(name, "NUMERIC") for name in ("NUMERIC", "DECIMAL(10,5)", "BOOLEAN", "DATE",
                                     "DATETIME", "STRING")],
    ("FLOATING POINT", "INTEGER"),
    ("CHARINT", "INTEGER"),  # INT is looked for first
    ("BLOBTEXT", "TEXT"),  # then CHAR, CLOB, TEXT
    ("REALBLOB", "BLOB"),  # then BLOB, before REAL
]


@pytest.mark.parametrize(("declared", "affinity"), AFFINITY)
def test_affinity_of_a_declared_type(declared: str, affinity: str) -> None:
    assert sqlite_affinity(Declared(declared), Target("sqlite")) == affinity


@pytest.mark.parametrize(
    ("type_", "affinity"),
    [(sa.Integer(), "INTEGER"), (sa.BigInteger(), "INTEGER"), (sa.String(10), "TEXT"),
     (sa.Unicode(), "TEXT"), (sa.Text(), "TEXT"), (sa.LargeBinary(), "BLOB"),
     (sa.Float(), "REAL"), (sa.Numeric(10, 2), "NUMERIC"), (sa.Boolean(), "NUMERIC"),
     (sa.DateTime(), "NUMERIC"), (sa.types.NullType(), None)],
)
def test_affinity_of_sqlalchemy_types(type_: Any, affinity: str | None) -> None:
    assert sqlite_affinity(type_, Target("sqlite")) == affinity
