"""Dialect names are spelled in ``dialects/`` and the lint rules, nowhere else unless listed.

Code that needs to know what a database can do asks
``flask_remodel.dialects.dialect_for(...)`` (``.transactional_ddl``,
``.open_deploy_lock()`` ...) instead of comparing its name to ``"sqlite"``.
This scan finds every string literal that is a dialect name (a comparison,
a membership test, a dict key, an argument) in the package's source, outside
``dialects/`` and ``lint/rules/``, and fails on any not in :data:`ALLOWED`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import flask_remodel.dialects

PACKAGE = Path(flask_remodel.dialects.__file__).parents[1]
NAMES = frozenset({"postgresql", "postgres", "mysql", "mariadb", "sqlite"})

#: Folders whose job is per-database logic: the database modules themselves,
#: and the lint rules (each rule says which databases it judges).
EXEMPT = ("dialects/", "lint/rules/")

#: module -> (how many dialect-name literals it may hold, why they belong there).
#: Keep the counts exact: lower one when you remove a literal.
ALLOWED: dict[str, tuple[int, str]] = {
    # Alembic's autogenerate: which dialects a comparator is registered for
    # (Alembic's own qualifier is a dialect name) and how a reflected object
    # is rendered or compared. Rendering knowledge, not a capability.
    "autogenerate/computed.py": (4, "comparator registered for the dialects it knows"),
    "autogenerate/enums.py": (1, "comparator registered for PostgreSQL's enum types"),
    "autogenerate/operations.py": (1, "rendering: SQLite reflects its primary key unnamed"),
    "comparators.py": (2, "Alembic's compare_server_default: identity on PostgreSQL only"),
    # The SQL each online operation sends, per family (as the lint rules do).
    "online/expand.py": (6, "expand/contract triggers and ALTERs written per family"),
    # Rendering: Alembic's own operations write CONCURRENTLY only for PostgreSQL, under
    # SQLAlchemy's "postgresql" dialect-options key.
    "online/autogenerate.py": (1, "Alembic's index forms with postgresql_concurrently"),
    "online/statements.py": (1, "SQLAlchemy's postgresql dialect_options key of an index"),
    # --verify: which observer reads the server (pg_locks or ALGORITHM probing), lint logic.
    "lint/verify.py": (2, "the --verify observer of each family"),
    # The fix code the rules suggest, written for the family they judge (as the rules are).
    "lint/fixes.py": (2, "a suggested fix that runs as written on each family"),
    # The replay's reflection answers as each family's own would (index lists, the names
    # it gives unnamed unique constraints), lint logic.
    "lint/replay_reflection.py": (5, "what each family's reflection lists and names"),
}


def _literals(path: Path) -> list[int]:
    """The lines of the dialect-name string literals in *path*."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return sorted(
        node.lineno for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        and node.value.lower() in NAMES
    )


def _found() -> dict[str, list[int]]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        module = path.relative_to(PACKAGE).as_posix()
        if module.startswith(EXEMPT):
            continue
        lines = _literals(path)
        if lines:
            found[module] = lines
    return found


def test_no_dialect_name_literals_outside_dialects_and_the_lint_rules() -> None:
    found = _found()
    unexpected = {
        module: lines for module, lines in found.items()
        if len(lines) > ALLOWED.get(module, (0, ""))[0]
    }
    assert unexpected == {}, (
        "Dialect names compared outside flask_remodel/dialects/ (module: lines). Ask "
        "dialect_for(...) for the capability instead (add one to dialects/base.py if "
        "needed); only Alembic rendering or lint logic may go in ALLOWED, with a reason."
    )
    stale = {
        module: (count, len(found.get(module, [])))
        for module, (count, _) in ALLOWED.items() if len(found.get(module, [])) < count
    }
    assert stale == {}, "Fewer literals than allowed (module: (allowed, found)): lower ALLOWED"


def test_the_scan_sees_comparisons_and_keys(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        'if engine.dialect.name == "sqlite":\n    pass\n'
        'KEYS = {"postgresql": 1}\n'
        'ok = name in ("mysql", "MariaDB")\n'
        'TEXT = "sqlite:///x.db"  # a URL is not a name\n',
        encoding="utf-8",
    )
    assert _literals(sample) == [1, 3, 4, 4]
