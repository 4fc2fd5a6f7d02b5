"""``op.get_bind()`` during the offline replay: the target's dialect, no rows, statements read."""

from __future__ import annotations

from .conftest import LintCode


def _rules(lint_code: LintCode, target: str, body: str) -> set[str]:
    return {f.rule_id for f in lint_code(target, body).findings}


def test_reading_the_dialect_is_no_data_change_and_analysis_goes_on(lint_code: LintCode) -> None:
    body = (
        "bind = op.get_bind()\n"
        'assert bind.dialect.name == "postgresql"\n'
        'assert bind.engine.url.get_backend_name() == "postgresql"\n'
        "assert bind.dialect.server_version_info == (15,)\n"
        'op.add_column("orders", sa.Column("x", sa.Integer()))\n'
        'op.drop_column("orders", "note")'
    )
    found = _rules(lint_code, "postgresql:15", body)
    assert "RM201" in found  # the operation after the checks was judged
    assert not found & {"RM002", "RM504"}


def test_a_query_returns_no_rows(lint_code: LintCode) -> None:
    body = (
        'row = op.get_bind().execute(sa.text("SELECT id FROM orders LIMIT 1")).fetchone()\n'
        'count = op.get_bind().execute(sa.text("SELECT count(*) FROM orders")).scalar()\n'
        "if row is None and count == 0:  # count(*) of an empty table is one row: 0\n"
        '    op.drop_column("orders", "note")'
    )
    found = _rules(lint_code, "sqlite", body)
    assert "RM201" in found and not found & {"RM002", "RM504"}


def test_what_the_bind_executes_is_judged_like_op_execute(lint_code: LintCode) -> None:
    data = ('op.add_column("orders", sa.Column("x", sa.Integer()))\n'
            "op.get_bind().execute(sa.text(\"UPDATE orders SET ref = 'x'\"))")
    assert "RM504" in _rules(lint_code, "mariadb", data)
    ddl = 'op.get_bind().execute(sa.text("CREATE INDEX ix_ref ON orders (ref)"))'
    found = _rules(lint_code, "postgresql", ddl)
    assert "RM101" in found and "RM504" not in found


def test_one_row_required_of_an_empty_database_stops_as_it_would(lint_code: LintCode) -> None:
    found = _rules(lint_code, "sqlite", 'op.get_bind().execute(sa.text("SELECT 1")).one()')
    assert "RM002" in found
