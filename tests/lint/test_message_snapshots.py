"""What each rule says, locks and proposes, per database, pinned as a snapshot.

Messages and fixes are what a user reads, so a change to one should be a
change someone reviewed. ``snapshots/messages.json`` holds, for every rule and
every database it applies to, the findings of that rule on its triggering
cases (the flagged code of ``test_rules.CASES``, plus the two rules that need a
history rather than one revision): severity, message, lock, fix, the kind of
fix and the line.

When a message or fix changes on purpose, rewrite the file and review its diff::

    REMODEL_UPDATE_SNAPSHOTS=1 python -m pytest tests/lint/test_message_snapshots.py

The fixes are also checked as code. A fix is classified (:func:`fix_kind`):

* ``operation``: complete Alembic calls (``op.xxx(...)``, possibly in an
  autocommit block, with comments), nothing left for the reader to fill in;
* ``sql``: complete SQL statements;
* ``snippet``: Python with something to fill in (``<value>``, ``...``) or that is
  not a migration operation (model code);
* ``prose``: words, or only comments.

Every ``operation`` and ``snippet`` compiles; every ``sql`` fix is read by the
linter's own SQL reader; and every ``operation`` and ``sql`` fix runs on its
real database, against the triggering case's schema (``conftest.BASE``, the
case's code before the flagged line, and :data:`SCRATCH_SETUP` for the
objects a case names that BASE lacks), in place of the flagged code.
"""

from __future__ import annotations

import ast
import difflib
import json
import os
import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy.dialects import mysql
from sqlalchemy.dialects import postgresql

from flask_remodel.lint import LintReport
from flask_remodel.lint import RuleSelection
from flask_remodel.lint import Target
from flask_remodel.lint import all_rules
from flask_remodel.lint import lint_directory
from flask_remodel.lint.sqltext import statements_from
from support.databases import selected_backends

from .conftest import BASE
from .conftest import HEADER
from .conftest import QUIET
from .conftest import LintCode
from .conftest import write_revisions
from .test_rules import CASES

SNAPSHOT = Path(__file__).parent / "snapshots" / "messages.json"
UPDATE_ENV = "REMODEL_UPDATE_SNAPSHOTS"

# The first line of upgrade()'s body in a revision conftest writes.
FIRST_BODY_LINE = HEADER.splitlines().index("{body}") + 1

BACKEND_OF_FAMILY = {"postgresql": "postgresql", "mysql": "mariadb", "sqlite": "sqlite"}

# Rules no offline lint can trigger (e.g. ones only --verify reports), with the reason.
# None today: every rule fires on code alone.
NOT_TRIGGERABLE_OFFLINE: dict[str, str] = {}


# -- Triggering cases --------------------------------------------------------------------

def _irreversible_downgrade(folder: Path) -> list[str]:
    """RM506: a revision whose downgrade() does nothing."""
    ids = write_revisions(folder, BASE, 'op.drop_column("orders", "note")')
    path = folder / "versions" / f"{ids[-1]}_step.py"
    text = path.read_text()
    path.write_text(text[: text.index("def downgrade")] + "def downgrade():\n    pass\n")
    return ids


def _two_heads(folder: Path) -> list[str]:
    """RM701: a second revision on the same parent (lint the whole history)."""
    write_revisions(folder, BASE, 'op.drop_column("orders", "note")')
    branch = (folder / "versions" / "r1_step.py").read_text().replace(
        "revision = 'r1'", "revision = 'r9'")
    (folder / "versions" / "r9_step.py").write_text(branch)
    return []


# Rules whose trigger is a history, not one revision body: (targets, writer). The
# writer returns the revision ids; an empty list means "lint every head".
HISTORY_CASES: dict[str, tuple[tuple[str, ...], Callable[[Path], list[str]]]] = {
    "RM506": (("postgresql", "mariadb", "sqlite"), _irreversible_downgrade),
    "RM701": (("postgresql", "mariadb", "sqlite"), _two_heads),
}


def _family(target: str) -> str:
    return Target.parse(target).family


def _selection(rule_id: str) -> RuleSelection:
    return RuleSelection((rule_id,), tuple(set(QUIET) - {rule_id}))


def _lint_history(folder: Path, rule_id: str, target: str) -> LintReport:
    ids = HISTORY_CASES[rule_id][1](folder)
    return lint_directory(folder, Target.parse(target), ids[-1] if ids else None,
                          selection=_selection(rule_id))


# -- What a fix is -----------------------------------------------------------------------

PLACEHOLDER = re.compile(r"<[a-z][^<>]*>")
"""``<value>``, ``<ref does not convert>``: something the reader must fill in."""
SQL_START = re.compile(
    r"^(SELECT|INSERT|UPDATE|DELETE|ALTER|CREATE|DROP|SET|REINDEX|VACUUM|COMMENT|TRUNCATE)\b")
PYTHON_MARKS = re.compile(r"\bop\.|\bsa\.|^\s*(with|#)|=", re.M)


def _block_of_operations(node: ast.With) -> bool:
    """An autocommit block of ``op.*`` calls, or a batch block of ``<its name>.*`` calls."""
    if len(node.items) != 1:
        return False
    item = node.items[0]
    opened = ast.unparse(item.context_expr)
    if opened == "op.get_context().autocommit_block()":
        return all(_is_operation(inner) for inner in node.body)
    if opened.startswith("op.batch_alter_table(") and isinstance(item.optional_vars, ast.Name):
        return all(_is_operation(inner, item.optional_vars.id) for inner in node.body)
    return False


def _is_operation(node: ast.stmt, receiver: str = "op") -> bool:
    """``op.xxx(...)`` (or *receiver*``.xxx(...)``), or a block of them."""
    if isinstance(node, ast.With):
        return receiver == "op" and _block_of_operations(node)
    return (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute)
            and isinstance(node.value.func.value, ast.Name)
            and node.value.func.value.id == receiver)


def _has_placeholder(tree: ast.Module) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant):
            if node.value is Ellipsis:
                return True
            if isinstance(node.value, str) and PLACEHOLDER.search(node.value):
                return True
    return False


def fix_kind(fix: str | None) -> str | None:
    """``operation``, ``sql``, ``snippet`` or ``prose`` (see the module docstring)."""
    if fix is None:
        return None
    try:
        tree = ast.parse(fix)
    except SyntaxError:
        if SQL_START.match(fix.strip()):
            return "sql"
        # Python that does not compile is still Python: test_fixes_compile says so.
        return "snippet" if PYTHON_MARKS.search(fix) else "prose"
    if not tree.body:
        return "prose"  # only comments
    if _has_placeholder(tree) or not all(_is_operation(node) for node in tree.body):
        return "snippet"
    return "operation"


# -- The snapshot ------------------------------------------------------------------------

def _record(report: LintReport, rule_id: str) -> list[dict[str, Any]]:
    return [
        {"rule": found.rule_id, "severity": found.severity.label, "message": found.message,
         "lock": found.lock, "fix": found.fix, "kind": fix_kind(found.fix), "line": found.line}
        for found in report.findings if found.rule_id == rule_id
    ]


def current_snapshot(lint_code: LintCode, folder: Path) -> dict[str, list[dict[str, Any]]]:
    """Every rule's findings on each of its triggering cases, as the linter says them now."""
    snapshot: dict[str, list[dict[str, Any]]] = {}
    for rule_id, cases in sorted(CASES.items()):
        for number, (targets, flagged, _clean) in enumerate(cases):
            for target in targets:
                report = lint_code(target, flagged, enable=(rule_id,))
                snapshot.setdefault(rule_id, []).append(
                    {"target": target, "case": number, "code": flagged,
                     "findings": _record(report, rule_id)})
    for rule_id, (targets, writer) in sorted(HISTORY_CASES.items()):
        for target in targets:
            report = _lint_history(folder / f"{rule_id}-{target}", rule_id, target)
            snapshot.setdefault(rule_id, []).append(
                {"target": target, "case": 0, "code": writer.__doc__ or "",
                 "findings": _record(report, rule_id)})
    return dict(sorted(snapshot.items()))


def _dump(snapshot: dict[str, Any]) -> str:
    return json.dumps(snapshot, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def stored_snapshot() -> dict[str, list[dict[str, Any]]]:
    if not SNAPSHOT.exists():
        return {}
    stored: dict[str, list[dict[str, Any]]] = json.loads(SNAPSHOT.read_text())
    return stored


def test_messages_locks_and_fixes_match_the_snapshot(lint_code: LintCode, tmp_path: Path) -> None:
    now = _dump(current_snapshot(lint_code, tmp_path))
    if os.environ.get(UPDATE_ENV) == "1":
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(now)
        return
    before = SNAPSHOT.read_text() if SNAPSHOT.exists() else ""
    if now != before:
        diff = "".join(difflib.unified_diff(
            before.splitlines(keepends=True), now.splitlines(keepends=True),
            fromfile="snapshot (stored)", tofile="linter (now)"))
        pytest.fail(
            f"What the rules say changed (- stored, + now):\n{diff}\n"
            f"If the change is intended, rewrite the snapshot and review its diff:\n"
            f"  {UPDATE_ENV}=1 python -m pytest tests/lint/{Path(__file__).name}",
            pytrace=False)


def test_every_rule_has_a_snapshot_on_each_of_its_databases() -> None:
    stored = stored_snapshot()
    for info in all_rules():
        if info.id in NOT_TRIGGERABLE_OFFLINE:
            continue
        covered = {_family(entry["target"]) for entry in stored.get(info.id, [])
                   if entry["findings"]}
        missing = set(info.dialects) - covered
        assert not missing, (
            f"{info.id} has no snapshot with a finding on {sorted(missing)}: add a flagged case "
            f"to test_rules.CASES (or list it in NOT_TRIGGERABLE_OFFLINE with the reason)")


def test_every_snapshot_entry_finds_something() -> None:
    empty = [(rule_id, entry["target"], entry["case"])
             for rule_id, entries in stored_snapshot().items() for entry in entries
             if not entry["findings"]]
    assert not empty, f"triggering cases that trigger nothing: {empty}"


def _fixes(*kinds: str) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(rule id, entry, finding) for each stored finding whose fix is of one of *kinds*."""
    return [(rule_id, entry, found)
            for rule_id, entries in stored_snapshot().items() for entry in entries
            for found in entry["findings"] if found["kind"] in kinds]


def _id(rule_id: str, entry: dict[str, Any], found: dict[str, Any]) -> str:
    return f"{rule_id}-{entry['target']}-{entry['case']}-line{found['line']}"


def test_fix_kinds_are_what_the_classifier_says() -> None:
    stale = [_id(rule_id, entry, found) for rule_id, entry, found
             in _fixes("operation", "sql", "snippet", "prose")
             if fix_kind(found["fix"]) != found["kind"]]
    assert not stale, f"re-run with {UPDATE_ENV}=1: kinds changed for {stale}"


def _compile_error(code: str) -> str | None:
    try:
        compile(code, "<fix>", "exec")
    except SyntaxError as error:
        return str(error)
    return None


def test_python_fixes_compile() -> None:
    broken = [f"{_id(rule_id, entry, found)}: {error}\n{found['fix']}"
              for rule_id, entry, found in _fixes("operation", "snippet")
              if (error := _compile_error(found["fix"])) is not None]
    assert not broken, "fixes that do not compile:\n" + "\n\n".join(broken)


def test_sql_fixes_are_read_by_the_linter() -> None:
    for rule_id, entry, found in _fixes("sql"):
        unread = [parsed.statement for parsed in statements_from(found["fix"])
                  if getattr(parsed.operation, "kind", None) == "unknown"]
        assert not unread, f"{_id(rule_id, entry, found)}: the linter cannot read {unread}"


def test_the_classifier() -> None:
    assert fix_kind(None) is None
    assert fix_kind('op.drop_column("t", "c")') == "operation"
    assert fix_kind("with op.get_context().autocommit_block():\n"
                    '    op.execute("REINDEX INDEX CONCURRENTLY ix")') == "operation"
    assert fix_kind('op.execute("UPDATE t SET c = <value> WHERE c IS NULL")') == "snippet"
    assert fix_kind("name = mapped_column('email', ...)") == "snippet"
    assert fix_kind("with op.get_context().autocommit_block():\n    # here") == "snippet"
    assert fix_kind('with op.batch_alter_table("t") as b:\n    b.drop_column("c")') == "operation"
    assert fix_kind('with op.batch_alter_table("t") as b:\n    op.drop_column("c")') == "snippet"
    assert fix_kind("with open('f') as f:\n    op.execute('SELECT 1')") == "snippet"
    assert fix_kind("# check: SELECT 1 FROM t") == "prose"
    assert fix_kind("ALTER TABLE t VALIDATE CONSTRAINT c") == "sql"
    assert fix_kind("Do it by hand after a backup.") == "prose"


# -- Running the fixes -------------------------------------------------------------------

# Objects a triggering case names that BASE does not create, made before the fix runs:
# (rule id, database family) -> SQL statements.
SCRATCH_SETUP: dict[tuple[str, str], list[str]] = {
    ("RM118", "postgresql"): [
        "CREATE TABLE m (at date NOT NULL) PARTITION BY RANGE (at)",
        "CREATE TABLE m_2020 PARTITION OF m FOR VALUES FROM ('2020-01-01') TO ('2021-01-01')",
    ],
}


def _before_flagged_line(code: str, line: int) -> str:
    """The case's code before the flagged line, cut back to whole statements."""
    lines = code.splitlines()[: max(0, line - FIRST_BODY_LINE)]
    while lines:
        try:
            ast.parse("\n".join(lines))
            return "\n".join(lines)
        except SyntaxError:
            lines.pop()
    return ""


def test_the_code_before_the_flagged_line_is_whole_statements() -> None:
    code = ('op.add_column("t", sa.Column("x", sa.Integer()))\n'
            'with op.batch_alter_table("t") as b:\n'
            '    b.drop_column("x")')
    assert _before_flagged_line(code, FIRST_BODY_LINE) == ""
    assert _before_flagged_line(code, FIRST_BODY_LINE + 1) == code.splitlines()[0]
    assert _before_flagged_line(code, FIRST_BODY_LINE + 2) == code.splitlines()[0]


def _runnable() -> list[Any]:
    params = []
    for rule_id, entry, found in _fixes("operation", "sql"):
        backend = BACKEND_OF_FAMILY[_family(entry["target"])]
        # Skipped here, not in the test: the database fixture would make a database first.
        marks = [] if backend in selected_backends() else [
            pytest.mark.skip(reason=f"{backend} is not in this run's backends")]
        params.append(pytest.param(backend, rule_id, entry, found, marks=marks,
                                   id=_id(rule_id, entry, found)))
    return params


def _run_python(operations: Operations, context: MigrationContext, code: str) -> None:
    with context.begin_transaction(), warnings.catch_warnings():
        # BASE's unnamed CHECK is left out of a SQLite batch copy, and Alembic says so:
        # that hazard is RM306's finding on the fix, not a fix that fails to run.
        warnings.filterwarnings("ignore", "Unnamed CHECK constraint", UserWarning)
        exec(code, {"op": operations, "sa": sa, "postgresql": postgresql, "mysql": mysql})


@pytest.mark.parametrize(("backend", "rule_id", "entry", "found"), _runnable())
def test_fix_runs_on_its_database(
    backend: str, rule_id: str, entry: dict[str, Any], found: dict[str, Any], database_url: str
) -> None:
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection)
            operations = Operations(context)
            _run_python(operations, context, BASE)
            _run_python(operations, context, _before_flagged_line(entry["code"], found["line"]))
            setup = SCRATCH_SETUP.get((rule_id, _family(entry["target"])), [])
            _run_python(operations, context, "\n".join(f"op.execute({sql!r})" for sql in setup))
            if found["kind"] == "sql":
                with context.begin_transaction():
                    connection.exec_driver_sql(found["fix"])
            else:
                _run_python(operations, context, found["fix"])
    finally:
        engine.dispose()
