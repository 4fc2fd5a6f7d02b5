"""Which type changes can lose values, and why.

A change is *narrowing* when some value the old type holds does not fit the
new one: a shorter string, a smaller integer, less precision, text into a
number, a timestamp into a date, an enum without some of its values. Those
are the changes the script marks ``# DATA LOSS:`` (depending on the database
the upgrade either cuts the values or fails on them).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from .renames import family

# Integer kinds by size, by the name every dialect's class carries.
_INTEGER_RANK = {
    "TINYINT": 1, "SMALLINT": 2, "SMALLINTEGER": 2, "MEDIUMINT": 3,
    "INTEGER": 4, "INT": 4, "BIGINT": 5, "BIGINTEGER": 5,
}


def _integer_rank(type_: Any) -> int:
    for cls in type(type_).__mro__:
        rank = _INTEGER_RANK.get(cls.__name__.upper())
        if rank is not None:
            return rank
    return 4


def _length(type_: Any) -> float:
    length = getattr(type_, "length", None)
    return float("inf") if length is None else float(length)


def _enum_values(type_: Any) -> tuple[str, ...] | None:
    values = getattr(type_, "enums", None)
    return tuple(values) if values else None


def narrowing(old: Any, new: Any) -> str | None:
    """Why changing a column from *old* to *new* can lose values, or ``None``."""
    old_family, new_family = family(old), family(new)
    old_enum, new_enum = _enum_values(old), _enum_values(new)
    if old_enum is not None and new_enum is not None:
        gone = [value for value in old_enum if value not in new_enum]
        return f"values {', '.join(gone)} are no longer allowed" if gone else None
    if old_family != new_family:
        if new_family == "string" and _length(new) == float("inf"):
            return None  # anything can be written as unlimited text
        if (old_family, new_family) in (("date", "datetime"), ("integer", "numeric")):
            return None
        if isinstance(old, sa.Boolean) and new_family == "integer":
            return None
        return f"{_name(old)} values may not convert to {_name(new)}"
    if old_family == "string":
        if _length(new) < _length(old):
            before = "unlimited" if _length(old) == float("inf") else int(_length(old))
            return (
                f"strings longer than {int(_length(new))} characters (was {before}) "
                "are cut or refused"
            )
        return None
    if old_family == "integer":
        if isinstance(new, sa.Boolean) and not isinstance(old, sa.Boolean):
            return "integers other than 0 and 1 do not fit a boolean"
        if _integer_rank(new) < _integer_rank(old):
            return f"{_name(old)} values may not fit {_name(new)}"
        return None
    if old_family == "numeric":
        old_p, new_p = getattr(old, "precision", None), getattr(new, "precision", None)
        old_s, new_s = getattr(old, "scale", None), getattr(new, "scale", None)
        if new_s is not None and old_s is not None and new_s < old_s:
            return f"digits after the point beyond {new_s} are rounded away (was {old_s})"
        if new_p is not None and (old_p is None or new_p < old_p):
            return f"numbers with more than {new_p} digits do not fit (was {old_p or 'any'})"
        if isinstance(old, sa.Float) is False and isinstance(new, sa.Float):
            return "exact decimals become approximate floats"
        return None
    return None


def _name(type_: Any) -> str:
    try:
        return str(type_.compile())
    except Exception:
        return type(type_).__name__
