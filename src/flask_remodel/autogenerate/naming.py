"""The names Flask-Remodel gives constraints that have none.

Used when a script creates a constraint (:mod:`flask_remodel.directives`) and
when a later comparison looks for it again (:mod:`.constraints`), so both
must agree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any


def _short(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:8]


def _joined(names: Iterable[Any]) -> str:
    return "_".join(str(name) for name in names)


def unique_name(table: str, columns: Iterable[Any]) -> str:
    return f"uq_{table}_{_joined(columns)}"


def foreign_key_name(table: str, columns: Iterable[Any], referent: str) -> str:
    return f"fk_{table}_{_joined(columns)}_{referent}"


def check_name(table: str, sqltext: Any) -> str:
    return f"ck_{table}_{_short(str(sqltext))}"
