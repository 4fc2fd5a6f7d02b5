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


def test_context_get_context_is_the_offline_context(lint_code: LintCode) -> None:
    body = (
        "from alembic import context\n"
        'assert context.get_context().dialect.name == "mariadb"\n'
        "assert not context.is_offline_mode()\n"
        'op.drop_column("orders", "note")'
    )
    found = _rules(lint_code, "mariadb", body)
    assert "RM201" in found and "RM002" not in found


def test_inspect_reads_the_replayed_schema_at_that_line(lint_code: LintCode) -> None:
    body = (
        'op.create_table("tag", sa.Column("id", sa.Integer(), primary_key=True),\n'
        '                sa.Column("name", sa.String(20), index=True),\n'
        '                sa.Column("code", sa.String(20), unique=True))\n'
        "insp = sa.inspect(op.get_bind())\n"
        'assert {"account", "orders", "tag", "alembic_version"} == set(insp.get_table_names())\n'
        'assert insp.has_table("tag") and not insp.has_table("nosuch")\n'
        'assert [c["name"] for c in insp.get_columns("orders")] == '
        '["id", "account_id", "ref", "total", "note"]\n'
        'assert insp.get_columns("orders")[2]["type"].length == 20\n'
        'assert [i["name"] for i in insp.get_indexes("account")] == ["ix_account_email"]\n'
        'assert "ix_tag_name" in {i["name"] for i in insp.get_indexes("tag")}\n'
        'assert [u["name"] for u in insp.get_unique_constraints("tag")] == ["tag_code_key"]\n'
        'if "note" in {c["name"] for c in insp.get_columns("orders")}:\n'
        '    op.drop_column("orders", "note")'
    )
    found = _rules(lint_code, "postgresql", body)
    assert "RM201" in found and "RM002" not in found


def test_what_reflection_cannot_know_stops_with_the_reason(lint_code: LintCode) -> None:
    report = lint_code("mariadb", 'sa.inspect(op.get_bind()).get_foreign_keys("orders")')
    stopped = [f for f in report.findings if f.rule_id == "RM002"]
    assert stopped and "foreign keys are not known offline" in stopped[0].message
    catalog = 'op.get_bind().execute(sa.text("SELECT * FROM information_schema.tables")).all()'
    assert "RM002" in _rules(lint_code, "postgresql", catalog)
    # A table the history changes without creating: its columns are not known.
    unknown = 'op.add_column("legacy", sa.Column("x", sa.Integer()))\n' \
        'sa.inspect(op.get_bind()).get_columns("legacy")'
    assert "RM002" in _rules(lint_code, "sqlite", unknown)


def test_results_answer_as_a_fresh_database(lint_code: LintCode) -> None:
    body = (
        "bind = op.get_bind()\n"
        'assert bind.execute(sa.text("SELECT id FROM orders")).fetchall() == []\n'
        'assert bind.execute(sa.text("SELECT id FROM orders")).first() is None\n'
        'assert bind.execute(sa.text("SELECT id FROM orders")).mappings().all() == []\n'
        'assert bind.execute(sa.text("SELECT max(id) FROM orders")).scalar() is None\n'
        'assert bind.execute(sa.text("SELECT count(*) FROM orders")).scalar() == 0\n'
        'op.drop_column("orders", "note")'
    )
    found = _rules(lint_code, "sqlite", body)
    assert "RM201" in found and not found & {"RM002", "RM504"}


ORM = (
    "from sqlalchemy import orm\n"
    "Base = orm.declarative_base()\n"
    "class Order(Base):\n"
    '    __tablename__ = "orders"\n'
    "    id = sa.Column(sa.Integer, primary_key=True)\n"
    "    ref = sa.Column(sa.String(20))\n"
    "session = orm.Session(bind=op.get_bind())\n"
)


def test_orm_queries_find_nothing_and_analysis_goes_on(lint_code: LintCode) -> None:
    body = ORM + (
        'assert session.query(Order).filter(Order.ref == "x").first() is None\n'
        "assert list(session.scalars(sa.select(Order))) == []\n"
        "session.close()\n"
        'op.drop_column("orders", "note")'
    )
    for target in ("postgresql", "mariadb", "sqlite"):
        found = _rules(lint_code, target, body)
        assert "RM201" in found and not found & {"RM002", "RM504"}, target


def test_orm_writes_are_data_changes(lint_code: LintCode) -> None:
    body = ORM + (
        'op.add_column("orders", sa.Column("x", sa.Integer()))\n'
        'session.add(Order(ref="x"))\nsession.commit()'
    )
    for target in ("postgresql", "mariadb", "sqlite"):
        assert "RM504" in _rules(lint_code, target, body), target


def test_a_tables_ddl_through_the_bind_is_that_operation(lint_code: LintCode) -> None:
    body = ORM + (
        "class Tag(Base):\n"
        '    __tablename__ = "tag"\n'
        "    id = sa.Column(sa.Integer, primary_key=True)\n"
        "Tag.__table__.create(op.get_bind())\n"
        'assert sa.inspect(op.get_bind()).has_table("tag")\n'
        'op.create_index("ix_tag_id", "tag", ["id"])'
    )
    found = _rules(lint_code, "postgresql", body)
    # Created in this revision, so empty: its index is no lock to report.
    assert "RM101" not in found and "RM002" not in found


def test_an_enum_type_checked_first_is_answered(lint_code: LintCode) -> None:
    body = (
        'sa.Enum("a", "b", name="status").create(op.get_bind(), checkfirst=True)\n'
        'sa.Enum("a", "b", name="fresh").create(op.get_bind(), checkfirst=True)\n'
        'op.drop_column("orders", "note")'
    )
    found = _rules(lint_code, "postgresql", body)
    assert "RM201" in found and "RM002" not in found
