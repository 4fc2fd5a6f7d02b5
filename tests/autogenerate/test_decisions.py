"""How migrate takes decisions: options, the API's decide callback, and bad input."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from flask_remodel import api
from flask_remodel.autogenerate import ColumnRename
from flask_remodel.autogenerate import Decisions
from flask_remodel.autogenerate import FillValue
from flask_remodel.autogenerate import TableRename
from flask_remodel.errors import AutogenerateError
from flask_remodel.errors import FillValueNeededError
from flask_remodel.errors import RenameUndecidedError
from support import AppFactory
from support import MadeApp
from support import insert_rows
from support import table_rows

from .harness import col
from .harness import declare
from .harness import pk


def _old_with_rows(make_app: AppFactory, url: str) -> MadeApp:
    old = make_app(declare(lambda: {"user": [pk(), col("username")]}))
    for args in (("init",), ("migrate", "-m", "old"), ("upgrade",)):
        assert old.cli(*args).exit_code == 0
    insert_rows(url, "user", {"id": 1, "username": "ada"}, {"id": 2, "username": "grace"})
    return old


def _seeds_models() -> dict[str, list[Any]]:
    return {"user": [pk(), col("fullname"), col("email", sa.String(120), nullable=False)]}


def test_required_column_without_value_fails_and_writes_nothing(
    make_app: AppFactory, database_url: str
) -> None:
    _old_with_rows(make_app, database_url)
    new = make_app(declare(_seeds_models))
    result = new.cli("migrate", "-m", "change", "--no-input", "--rename", "user.username=fullname")
    assert result.exit_code == 1
    message = result.output.strip().splitlines()[-1]
    assert message.startswith("Error: user.email is required")
    assert "2 row(s) have no value" in message
    assert '--default user.email="VALUE"' in message
    assert [p.name for p in new.scripts() if "change" in p.name] == []


@pytest.mark.parametrize(
    ("option", "value", "fragment"),
    [
        ("--rename", "user.username", "is not of the form TABLE.OLD=NEW"),
        ("--rename", "username=fullname", "is not of the form TABLE.OLD=NEW"),
        ("--rename-table", "user", "is not of the form OLD=NEW"),
        ("--default", "email=x", "is not of the form TABLE.COLUMN=VALUE"),
        ("--rename", "user.usrname=fullname", "--rename user.usrname=fullname matched no"),
        ("--default", "user.emial=x", "--default user.emial=x matched no change"),
    ],
)
def test_bad_decisions_are_one_clear_error_and_write_nothing(
    make_app: AppFactory, database_url: str, option: str, value: str, fragment: str
) -> None:
    _old_with_rows(make_app, database_url)
    new = make_app(declare(lambda: {"user": [pk(), col("fullname")]}))
    result = new.cli("migrate", "-m", "change", "--no-input", "--no-renames", option, value)
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1 and fragment in lines[0], result.output
    assert [p.name for p in new.scripts() if "change" in p.name] == []
    assert table_rows(database_url, "user", "id", "username") == [(1, "ada"), (2, "grace")]


@pytest.mark.backends("sqlite")
def test_the_api_asks_decide_about_each_undecided_change(
    make_app: AppFactory, database_url: str
) -> None:
    _old_with_rows(make_app, database_url)
    new = make_app(declare(_seeds_models))
    asked: list[object] = []

    def decide(question: object) -> bool | str | None:
        asked.append(question)
        if isinstance(question, ColumnRename):
            return True
        return "someone@example.com"

    with new.app.app_context():
        result = api.migrate(message="change", decide=decide)
    assert asked == [
        ColumnRename("user", "username", "fullname"),
        FillValue("user", "email", "VARCHAR(120)", 2),
    ]
    assert str(asked[0]) == "Did you rename user.username to user.fullname?"
    assert "rename column user.username to fullname" in result.summary.operations
    assert result.summary.warnings == []
    assert new.cli("upgrade").exit_code == 0
    assert table_rows(database_url, "user", "id", "fullname", "email") == [
        (1, "ada", "someone@example.com"), (2, "grace", "someone@example.com"),
    ]


@pytest.mark.backends("sqlite")
def test_a_refused_rename_is_a_drop_with_a_warning(make_app: AppFactory, database_url: str) -> None:
    _old_with_rows(make_app, database_url)
    new = make_app(declare(lambda: {"user": [pk(), col("fullname")]}))
    with new.app.app_context():
        result = api.migrate(message="change", decide=lambda question: False)
    assert result.summary.warnings == ["drops column user.username and its values"]
    assert result.summary.lines()[0] == (
        "WARNING data loss: drops column user.username and its values"
    )


def test_decisions_accept_mappings_and_option_texts() -> None:
    from_mapping = Decisions.build({"user.username": "fullname"}, {"tag": "label"},
                                   {"user.email": "x"})
    from_texts = Decisions.build(["user.username=fullname"], ["tag=label"], ['user.email="x"'])
    for made in (from_mapping, from_texts):
        assert made.column_renames == {("user", "username"): "fullname"}
        assert made.table_renames == {"tag": "label"}
        assert made.fill_values == {("user", "email"): "x"}
    assert str(TableRename("tag", "label")) == "Did you rename table tag to label?"
    with pytest.raises(AutogenerateError, match="--rename-table 'tag=' is not of the form"):
        Decisions.build(table_renames=["tag="])


def test_a_value_that_does_not_fit_the_column_is_refused() -> None:
    from flask_remodel.autogenerate.required import _ask

    decisions = Decisions.build(defaults={"user.age": "old"})
    column = sa.Column("age", sa.Integer, nullable=False)
    with pytest.raises(FillValueNeededError, match="the value 'old' is not a int"):
        _ask(decisions, "user", column, 3, sa.create_engine("sqlite://").dialect)


def _rename_models() -> dict[str, list[Any]]:
    return {"user": [pk(), col("fullname")]}


def test_piped_answers_are_read_and_keep_the_renamed_values(
    make_app: AppFactory, database_url: str
) -> None:
    """``yes | flask db migrate``: stdin is no terminal, and the answers still count."""
    _old_with_rows(make_app, database_url)
    new = make_app(declare(_seeds_models))
    result = new.cli("migrate", "-m", "Add user email", input="y\nunknown@example.com\n")
    assert result.exit_code == 0, result.output
    assert "Did you rename user.username to user.fullname? [y/N]" in result.output
    assert "2 existing row(s) need a value" in result.output
    assert "  rename column user.username to fullname" in result.output
    assert new.cli("upgrade").exit_code == 0
    assert table_rows(database_url, "user", "id", "fullname", "email") == [
        (1, "ada", "unknown@example.com"), (2, "grace", "unknown@example.com"),
    ]


@pytest.mark.parametrize("how", ["end of input", "--no-input"])
def test_an_unanswered_rename_writes_nothing_and_names_the_options(
    make_app: AppFactory, database_url: str, how: str
) -> None:
    if how == "end of input" and "mix_stderr" in inspect.signature(CliRunner).parameters:
        pytest.skip("Click before 8.2: the test runner answers a prompt at the end of the "
                    "input with its default, where a real pipe ends the input")
    _old_with_rows(make_app, database_url)
    new = make_app(declare(_rename_models))
    args = ["--no-input"] if how == "--no-input" else []
    result = new.cli("migrate", "-m", "change", *args, input="")
    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert errors == [
        "Error: Possible rename(s) with no answer given (no input, or --no-input): "
        "user.username -> user.fullname; nothing was written. Run again with "
        "--rename user.username=fullname for each that was renamed, or with --no-renames "
        "to drop and add (the dropped values are lost)."
    ]
    assert [p.name for p in new.scripts() if "change" in p.name] == []


def test_no_renames_confirms_the_drop(make_app: AppFactory, database_url: str) -> None:
    _old_with_rows(make_app, database_url)
    new = make_app(declare(_rename_models))
    result = new.cli("migrate", "-m", "change", "--no-renames", input="y\n")
    assert result.exit_code == 0, result.output
    assert "Did you rename" not in result.output
    assert "WARNING data loss: drops column user.username and its values" in result.output


@pytest.mark.backends("sqlite")
def test_a_required_renamed_column_error_suggests_the_rename(
    make_app: AppFactory, database_url: str
) -> None:
    """A NOT NULL column that replaced a dropped one may be that one renamed."""
    _old_with_rows(make_app, database_url)
    new = make_app(declare(lambda: {"user": [pk(), col("fullname", nullable=False)]}))
    with new.app.app_context(), pytest.raises(FillValueNeededError) as caught:
        api.migrate(message="change")  # the API guesses no rename
    assert "If it is a renamed column, run again with --rename user.username=fullname; " in (
        str(caught.value)
    )
    assert '--default user.fullname="VALUE"' in str(caught.value)
    if "mix_stderr" in inspect.signature(CliRunner).parameters:
        return  # Click before 8.2: its test runner cannot end the input (see above)
    # The CLI without input asks about the rename first, and stops there.
    result = new.cli("migrate", "-m", "change", input="")
    assert "--rename user.username=fullname" in result.output
    assert "--default" not in result.output


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ('"unknown"', "unknown"),  # quoted on the command line: the text inside
        ("'unknown'", "unknown"),
        ('""', ""),  # an empty value, quoted so the shell passes it
        ('"', '"'),  # one quote alone is the value
        ("'x", "'x"),  # quotes that do not match are kept
        ("XnoneX", "XnoneX"),  # a value whose ends match but are no quotes
    ],
)
def test_a_default_given_quoted_keeps_the_text_inside(given: str, kept: str) -> None:
    made = Decisions.build(defaults=[f"user.email={given}"])
    assert made.fill_values == {("user", "email"): kept}


def test_a_rename_nobody_answered_is_no_rename_and_is_named_later() -> None:
    question = ColumnRename("user", "username", "fullname")
    unanswered = Decisions(decide=lambda asked: None)
    assert unanswered.is_renamed_column(question) is False
    assert unanswered.undecided == [question]
    with pytest.raises(RenameUndecidedError):
        unanswered.require_answers()
    assert Decisions().is_renamed_column(question) is False  # nobody to ask


def _required_change(
    schema: str | None, *columns: sa.Column[Any], alters: tuple[str, ...] = ()
) -> Any:
    from alembic.operations import ops

    container = ops.ModifyTableOps(
        "user",
        [
            *(ops.AddColumnOp("user", column, schema=schema) for column in columns),
            *(
                ops.AlterColumnOp(
                    "user", name, schema=schema, existing_type=sa.Integer(),
                    modify_nullable=False,
                )
                for name in alters
            ),
        ],
        schema=schema,
    )
    return ops.UpgradeOps([container])


@pytest.mark.parametrize("given", ["1", "true", "YES", "y", "T", " On "])
def test_a_boolean_value_reads_the_usual_words_for_yes(given: str) -> None:
    from flask_remodel.autogenerate.required import _ask

    column = sa.Column("active", sa.Boolean, nullable=False)
    dialect = sa.create_engine("sqlite://").dialect
    yes = Decisions.build(defaults={"user.active": given})
    assert _ask(yes, "user", column, 2, dialect) is True
    no = Decisions.build(defaults={"user.active": "no"})
    assert _ask(no, "user", column, 2, dialect) is False


def test_a_value_given_for_an_empty_table_is_still_used() -> None:
    from flask_remodel.autogenerate.required import _ask

    column = sa.Column("age", sa.Integer, nullable=False)
    decisions = Decisions.build(defaults={"user.age": "7"})
    assert _ask(decisions, "user", column, 0, sa.create_engine("sqlite://").dialect) == 7


def test_a_value_that_does_not_fit_names_the_table_and_column() -> None:
    from flask_remodel.autogenerate.required import _ask

    decisions = Decisions.build(defaults={"user.age": "old"})
    column = sa.Column("age", sa.Integer, nullable=False)
    with pytest.raises(FillValueNeededError) as raised:
        _ask(decisions, "user", column, 3, sa.create_engine("sqlite://").dialect)
    assert str(raised.value).startswith("user.age is required")


def test_required_columns_in_a_schema_are_counted_filled_and_made_not_null_there() -> None:
    from flask_remodel.autogenerate.operations import FillNullsOp
    from flask_remodel.autogenerate.required import apply_required

    engine = sa.create_engine("sqlite://")
    asked: list[FillValue] = []

    def decide(question: object) -> str:
        assert isinstance(question, FillValue)
        asked.append(question)
        return "5"

    with engine.connect() as connection:
        connection.exec_driver_sql("ATTACH DATABASE ':memory:' AS crm")
        connection.exec_driver_sql("CREATE TABLE user (id INTEGER PRIMARY KEY)")  # main: empty
        connection.exec_driver_sql("CREATE TABLE crm.user (id INTEGER PRIMARY KEY, n INTEGER)")
        connection.exec_driver_sql("INSERT INTO crm.user VALUES (1, NULL), (2, 4), (3, NULL)")
        first = sa.Column("level", sa.Integer, nullable=False, comment="how far")
        second = sa.Column("rank", sa.Integer, nullable=False)
        upgrade = _required_change("crm", first, second, alters=("n",))
        apply_required(upgrade, connection, Decisions(decide=decide), connection.dialect)
    assert [(q.column, q.type_name, q.rows) for q in asked] == [
        ("level", "INTEGER", 3), ("rank", "INTEGER", 3), ("n", "INTEGER", 2),
    ]
    fill_n, container, *after = upgrade.ops
    assert isinstance(fill_n, FillNullsOp)
    assert (fill_n.column_name, fill_n.value, fill_n.schema) == ("n", 5, "crm")
    added = [op.column for op in container.ops if hasattr(op, "column")]
    assert [(c.name, c.nullable) for c in added] == [("level", True), ("rank", True)]
    fills = [op for op in after if isinstance(op, FillNullsOp)]
    assert [(f.column_name, f.value, f.schema) for f in fills] == [
        ("level", 5, "crm"), ("rank", 5, "crm"),
    ]
    not_nulls = [op for op in after if not isinstance(op, FillNullsOp)]
    assert [op.schema for op in not_nulls] == ["crm", "crm"]
    alter = not_nulls[0].ops[0]
    assert (alter.table_name, alter.column_name, alter.schema) == ("user", "level", "crm")
    assert alter.existing_nullable is True and alter.modify_nullable is False
    assert alter.existing_comment == "how far"
    assert isinstance(alter.existing_type, sa.Integer)


def test_offline_every_table_is_taken_to_have_rows() -> None:
    from flask_remodel.autogenerate.required import apply_required

    asked: list[FillValue] = []

    def decide(question: object) -> None:
        assert isinstance(question, FillValue)
        asked.append(question)

    upgrade = _required_change(None, sa.Column("level", sa.Integer, nullable=False))
    with pytest.raises(FillValueNeededError, match="1 row"):
        apply_required(
            upgrade, None, Decisions(decide=decide), sa.create_engine("sqlite://").dialect
        )
    assert [q.rows for q in asked] == [1]


def test_without_rows_the_script_notes_that_a_value_was_not_given() -> None:
    from flask_remodel.autogenerate.operations import FillNullsOp
    from flask_remodel.autogenerate.operations import NoteOp
    from flask_remodel.autogenerate.required import apply_required

    engine = sa.create_engine("sqlite://")
    with engine.connect() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE user (id INTEGER PRIMARY KEY, n INTEGER, m INTEGER)"
        )
        upgrade = _required_change(
            None, sa.Column("level", sa.Integer, nullable=False), alters=("n", "m")
        )
        decisions = Decisions.build(defaults={"user.m": "3"})  # used even with no rows now
        apply_required(upgrade, connection, decisions, connection.dialect)
    fills = [op for op in upgrade.ops if isinstance(op, FillNullsOp)]
    assert [(f.column_name, f.value) for f in fills] == [("m", 3)]
    notes = [op for op in upgrade.ops if isinstance(op, NoteOp)]
    assert [n.text for n in notes] == [
        "No value was given for existing rows of user.level: the next step fails if the "
        "table has rows when this runs."
    ]


def test_a_column_made_required_with_empty_rows_and_no_value_is_refused() -> None:
    from flask_remodel.autogenerate.required import apply_required

    engine = sa.create_engine("sqlite://")
    with engine.connect() as connection:
        connection.exec_driver_sql("CREATE TABLE user (id INTEGER PRIMARY KEY, n INTEGER)")
        connection.exec_driver_sql("INSERT INTO user VALUES (1, NULL)")
        upgrade = _required_change(None, alters=("n",))
        with pytest.raises(FillValueNeededError, match="user.n is required"):
            apply_required(upgrade, connection, Decisions(), connection.dialect)


def test_option_texts_split_at_the_first_equals_sign() -> None:
    made = Decisions.build(defaults=["user.email=a=b", "user.note="])
    # A value may contain '=', and may be empty (only a rename needs a new name).
    assert made.fill_values == {("user", "email"): "a=b", ("user", "note"): ""}
    with pytest.raises(AutogenerateError, match="--rename 'user.name=' is not of the form"):
        Decisions.build(renames=["user.name="])
    with pytest.raises(AutogenerateError, match="--rename-table '=members' is not of the form"):
        Decisions.build(table_renames=["=members"])


class _StoredPerDatabase(sa.types.TypeDecorator[str]):
    """INTEGER on SQLite, VARCHAR(20) elsewhere: the question names the database's type."""

    impl = sa.String(20)
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.engine.Dialect) -> sa.types.TypeEngine[object]:
        chosen = sa.Integer() if dialect.name == "sqlite" else sa.String(20)
        return dialect.type_descriptor(chosen)


def test_the_question_names_the_type_as_the_database_writes_it() -> None:
    from alembic.operations import ops

    from flask_remodel.autogenerate.required import apply_required

    asked: list[FillValue] = []

    def decide(question: object) -> None:
        assert isinstance(question, FillValue)
        asked.append(question)

    dialect = sa.create_engine("sqlite://").dialect
    added = _required_change(None, sa.Column("code", _StoredPerDatabase(), nullable=False))
    with pytest.raises(FillValueNeededError):
        apply_required(added, None, Decisions(decide=decide), dialect)
    altered = ops.UpgradeOps([ops.ModifyTableOps("user", [ops.AlterColumnOp(
        "user", "code", existing_type=_StoredPerDatabase(), modify_nullable=False,
    )])])
    with pytest.raises(FillValueNeededError):
        apply_required(altered, None, Decisions(decide=decide), dialect)
    assert [q.type_name for q in asked] == ["INTEGER", "INTEGER"]
