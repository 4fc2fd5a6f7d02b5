"""Column types as the target database sees them, not as the revision spells them.

``sa.String(64)`` and ``VARCHAR(length=64)`` are one type; so are
``Integer()`` and MariaDB's reflected ``INTEGER(display_width=11)``; and
``BigInteger().with_variant(INTEGER(), "sqlite")`` is INTEGER on SQLite.
Comparing what each compiles to for the target (after SQLAlchemy picks the
variant) tells them apart where it matters and nowhere else.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.engine import make_url

from ..model import Target

_DISPLAY_WIDTH = re.compile(r"^((?:TINY|SMALL|MEDIUM|BIG)?INT(?:EGER)?)\s*\(\s*\d+\s*\)", re.I)


@cache
def _dialect(name: str) -> Dialect:
    dialect: Dialect = make_url(f"{name}://").get_dialect()()
    return dialect


def for_target(type_: Any, target: Target) -> Any:
    """*type_* as used on *target*: the ``with_variant`` type for it when there is one."""
    try:
        adapted = type_.dialect_impl(_dialect(target.name))
    except Exception:  # a type SQLAlchemy cannot adapt offline: judge it as written
        return type_
    # The driver's adaptation can be lossy (psycopg's String for sa.CHAR declares
    # VARCHAR): taken only when it declares what the type as written declares,
    # which a with_variant type's variant does (compiling picks the variant too).
    return adapted if ddl(adapted, target) == ddl(type_, target) else type_


def ddl(type_: Any, target: Target) -> str | None:
    """What *type_* is declared as on *target* (None when it has no DDL: NullType)."""
    try:
        text = str(type_.compile(dialect=_dialect(target.name)))
    except Exception:
        return None
    if target.family == "mysql":
        # INT(11): a display width only, gone in MySQL 8.0.19+; not a different type.
        text = _DISPLAY_WIDTH.sub(r"\1", text)
    return " ".join(text.upper().split())


def same_on(old: Any, new: Any, target: Target) -> bool:
    """Whether *target* declares both types identically."""
    declared = ddl(old, target)
    return declared is not None and declared == ddl(new, target)


def sqlite_affinity(type_: Any, target: Target) -> str | None:
    """SQLite's storage class for a declared type (its "type affinity" rules, section 3.1)."""
    declared = ddl(type_, target)
    if declared is None:
        return None
    if "INT" in declared:
        return "INTEGER"
    if any(word in declared for word in ("CHAR", "CLOB", "TEXT")):
        return "TEXT"
    if "BLOB" in declared or not declared:
        return "BLOB"
    if any(word in declared for word in ("REAL", "FLOA", "DOUB")):
        return "REAL"
    return "NUMERIC"
