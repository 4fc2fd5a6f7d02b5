"""What ``flask_remodel._alembic`` relies on, checked against the installed Alembic.

Every private name the seam reads (and every public one it patches on a live
object) is a ``Pinned`` entry: each must still be there, taking the
parameters the seam passes. The undocumented behaviours are checked by
making Alembic do them: the ``op`` proxy reaching the methods the linter
replaces, ``Script.longdoc`` reading the encoding marker, the revision
file-name pattern ``revision_index/plain.py`` copies, and every Alembic message the
seam reads. ``make test-alembic-latest`` runs this against the newest Alembic
release; a failure there names what to review before raising the cap in
``pyproject.toml``.
"""

from __future__ import annotations

import io
import re
import textwrap
import types
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import alembic
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate.api import AutogenContext
from alembic.config import Config
from alembic.operations import Operations
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.runtime.migration import RevisionStep
from alembic.script import Script
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionMap
from alembic.util import CommandError

from flask_remodel import _alembic
from flask_remodel._alembic import PINNED
from flask_remodel._alembic import Pinned
from flask_remodel.revision_index import plain as history_folder
from flask_remodel.revision_index.header import HEADER_NAMES

ROOT = Path(__file__).resolve().parents[2]


def _offline_context() -> MigrationContext:
    return MigrationContext.configure(
        dialect_name="sqlite", opts={"as_sql": True, "output_buffer": io.StringIO()}
    )


def _step() -> RevisionStep:
    module = types.ModuleType("a1_first")
    module.__dict__.update(
        revision="a1", down_revision=None, branch_labels=None, depends_on=None,
        upgrade=lambda: None, downgrade=lambda: None,
    )
    script = Script(module, "a1", "a1_first.py")
    return RevisionStep(RevisionMap(lambda: [script]), script, True)


def _op_module() -> types.ModuleType:
    """``alembic.op`` once a context has installed (and removed) its proxy."""
    with Operations.context(_offline_context()):
        pass
    from alembic import op

    return op


def _context_module() -> types.ModuleType:
    """``alembic.context`` once an environment has installed (and removed) its proxy."""
    with EnvironmentContext(Config(), None):  # type: ignore[arg-type]
        pass
    from alembic import context

    return context


#: An object of the class of each entry set by a constructor.
SAMPLES: dict[str, Callable[[], Any]] = {
    "alembic.util.langhelpers.Dispatcher._registry": lambda: Operations._to_impl,
    "alembic.runtime.migration.RevisionStep.migration_fn": _step,
    "alembic.autogenerate.api.AutogenContext._has_batch": lambda: AutogenContext(
        MigrationContext.configure(dialect_name="sqlite")
    ),
    "alembic.runtime.migration.MigrationContext._in_external_transaction": _offline_context,
    "alembic.runtime.migration.MigrationContext._transaction_per_migration": _offline_context,
    "sqlalchemy.sql.schema.Constraint._type_bound": lambda: sa.CheckConstraint("x > 0"),
    "alembic.op._proxy": _op_module,
    "alembic.runtime.environment.EnvironmentContext._migration_context": lambda: (
        EnvironmentContext(Config(), None)  # type: ignore[arg-type]
    ),
    "alembic.context._proxy": _context_module,
    "sqlalchemy.sql.compiler.SQLCompiler._result_columns": lambda: (
        sa.select(sa.literal(1)).compile()
    ),
}


@pytest.mark.parametrize("entry", PINNED, ids=lambda entry: entry.dotted)
def test_each_pinned_name_is_there_with_its_parameters(entry: Pinned) -> None:
    assert entry.problem() is None
    if entry.on_instances:
        sample = SAMPLES[entry.dotted]()
        assert hasattr(sample, entry.name), f"{entry.dotted} is gone"
        entry.read(sample)
    else:
        entry.read()


def test_every_name_set_by_a_constructor_has_a_sample() -> None:
    assert sorted(e.dotted for e in PINNED if e.on_instances) == sorted(SAMPLES)


def test_a_name_that_is_gone_or_takes_other_parameters_is_a_problem() -> None:
    assert Pinned("alembic.script.base", "ScriptDirectory._no_such").problem() == (
        "alembic.script.base.ScriptDirectory._no_such is gone"
    )
    assert Pinned("alembic.no_such_module", "Thing._x").problem() == (
        "alembic.no_such_module.Thing is gone"
    )
    changed = Pinned("alembic.script.base", "ScriptDirectory._upgrade_revs", ("target", "heads"))
    assert changed.problem() == (
        "alembic.script.base.ScriptDirectory._upgrade_revs takes (destination, current_rev) "
        "where Flask-Remodel passes (target, heads)"
    )
    assert Pinned("alembic.script.base", "Script.__init__", ("module", "**")).problem() == (
        "alembic.script.base.Script.__init__ takes (module, rev_id, path) "
        "where Flask-Remodel passes (module, **)"
    )


def test_the_supported_range_is_the_one_pyproject_declares() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    declared = re.search(r'"(alembic[<>=!,.\d\s]+)"', pyproject)
    assert declared is not None
    assert declared.group(1).replace(" ", "") == _alembic.SUPPORTED_ALEMBIC


# -- behaviour the seam relies on --------------------------------------------------------


def test_the_op_proxy_reaches_the_methods_the_linter_replaces() -> None:
    context = _offline_context()
    reached: list[str] = []

    def noting(name: str) -> _alembic.Wrapper:
        def wrap(real: Callable[..., Any]) -> Callable[..., Any]:
            def replacement(*args: Any, **kw: Any) -> Any:
                reached.append(name)
                return real(*args, **kw)

            return replacement

        return wrap

    def batch(real: Callable[..., Any]) -> Callable[..., Any]:
        def batch_alter_table(*args: Any, **kw: Any) -> Any:
            reached.append("batch_alter_table")
            manager = real(*args, **kw)
            batch_op = manager.__enter__()
            _alembic.intercepted_batch_invoke(batch_op, noting("batch invoke"))
            return _Entered(batch_op, manager)

        return batch_alter_table

    from alembic import op

    with _alembic.intercepted_operations(
        context, invoke=noting("invoke"), batch_alter_table=batch,
        get_bind=noting("get_bind"), autocommit_block=noting("autocommit_block"),
    ):
        op.add_column("t", sa.Column("c", sa.Integer))
        op.execute("SELECT 1")
        with op.batch_alter_table("t", recreate="never") as batch_op:
            batch_op.drop_column("c")
        op.get_bind()
        with op.get_context().autocommit_block():
            pass
    assert reached == [
        "invoke", "invoke", "batch_alter_table", "batch invoke", "get_bind", "autocommit_block"
    ]
    # Only those objects had them replaced.
    assert "autocommit_block" not in context.__dict__
    assert "invoke" not in Operations(context).__dict__


def test_the_running_op_proxy_can_be_watched_and_is_left_working() -> None:
    context = _offline_context()
    reached: list[str] = []

    def noting(name: str) -> _alembic.Wrapper:
        def wrap(real: Callable[..., Any]) -> Callable[..., Any]:
            def replaced(*args: Any, **kw: Any) -> Any:
                reached.append(name)
                return real(*args, **kw)

            return replaced

        return wrap

    from alembic import op

    with Operations.context(context) as operations:
        with _alembic.intercepted_running_operations(
            invoke=noting("invoke"), batch_alter_table=noting("batch_alter_table"),
            get_bind=noting("get_bind"), autocommit_block=noting("autocommit_block"),
        ) as running:
            assert running is context
            op.add_column("t", sa.Column("c", sa.Integer))
            op.get_bind()
            with op.get_context().autocommit_block():
                pass
        assert reached == ["invoke", "get_bind", "autocommit_block"]
        assert "invoke" not in operations.__dict__
        assert "autocommit_block" not in context.__dict__
        op.drop_column("t", "c")  # the run's own proxy still works, unwatched
    assert reached == ["invoke", "get_bind", "autocommit_block"]


class _Entered:
    def __init__(self, batch_op: Any, manager: Any) -> None:
        self.batch_op, self.manager = batch_op, manager

    def __enter__(self) -> Any:
        return self.batch_op

    def __exit__(self, *exc: object) -> None:
        self.manager.__exit__(None, None, None)


def test_every_statement_goes_through_the_wrapped_exec() -> None:
    context = _offline_context()
    seen: list[str] = []

    def runner(execute: Callable[[], Any], statement: Any) -> Any:
        seen.append(str(statement))
        return execute()

    undo = _alembic.wrap_statement_execution(context.impl, runner)
    with Operations.context(context):
        from alembic import op

        op.execute("SELECT 1")
        op.create_table("t", sa.Column("id", sa.Integer, primary_key=True))
    undo()
    context.execute("SELECT 2")
    assert seen[0] == "SELECT 1" and "CREATE TABLE t" in seen[1] and len(seen) == 2


def test_script_longdoc_still_reads_the_encoding_marker() -> None:
    # revision_index/header.py leaves files that set it to Alembic, by this name.
    assert "_alembic_source_encoding" in HEADER_NAMES
    module = types.ModuleType("a1")
    module.__doc__ = "caf\xc3\xa9".encode("latin-1")  # type: ignore[assignment]
    module.__dict__.update(revision="a1", down_revision=None, _alembic_source_encoding="utf-8")
    assert Script(module, "a1", "a1.py").longdoc == "caf\xe9"


def test_the_index_lists_revision_files_with_alembics_pattern() -> None:
    assert history_folder._REVISION_FILE.pattern == _alembic.revision_file_name().pattern
    assert history_folder._REVISION_FILE.flags == _alembic.revision_file_name().flags


def test_a_constraint_made_by_a_column_type_is_told_apart() -> None:
    table = sa.Table(
        "t", sa.MetaData(),
        sa.Column("flag", sa.Boolean(create_constraint=True, name="ck_flag")),
        sa.Column("kind", sa.Enum("a", "b", create_constraint=True, name="ck_kind")),
        sa.Column("n", sa.Integer),
        sa.CheckConstraint("n > 0", name="ck_n"),
    )
    made = {
        str(c.name): _alembic.made_by_column_type(c)
        for c in table.constraints if isinstance(c, sa.CheckConstraint)
    }
    assert made == {"ck_flag": True, "ck_kind": True, "ck_n": False}


def test_a_copied_column_belongs_to_no_table() -> None:
    table = sa.Table("t", sa.MetaData(), sa.Column("c", sa.String(5), nullable=False))
    copy = _alembic.copied_column(table.c.c)
    assert getattr(copy, "table", None) is None
    assert (copy.name, str(copy.type), copy.nullable) == ("c", "VARCHAR(5)", False)
    assert copy is not table.c.c


# -- Alembic's messages, as Alembic writes them ------------------------------------------

REVISION = '''
"""{message}"""
revision = {revision!r}
down_revision = {down!r}
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
'''

ENV = """
import sqlalchemy as sa
from alembic import context

engine = sa.create_engine(context.config.get_main_option("sqlalchemy.url"))
try:
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=sa.MetaData())
        with context.begin_transaction():
            context.run_migrations()
finally:
    engine.dispose()  # also when Alembic refuses: no connection left for the collector
"""


def _folder(tmp_path: Path, *revisions: tuple[str, str | None], extra: str = "") -> Config:
    folder = tmp_path / "migrations"
    (folder / "versions").mkdir(parents=True)
    (folder / "env.py").write_text(ENV)
    for revision, down in revisions:
        (folder / "versions" / f"{revision}_r.py").write_text(
            REVISION.format(message=f"rev {revision}", revision=revision, down=down)
        )
    if extra:
        (folder / "versions" / "extra.py").write_text(textwrap.dedent(extra))
    config = Config()
    config.set_main_option("script_location", str(folder))
    config.set_main_option("sqlalchemy.url", f"sqlite:///{tmp_path / 'app.db'}")
    return config


def _warnings_loading(config: Config) -> tuple[list[str], BaseException | None]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            ScriptDirectory.from_config(config).revision_map.heads  # noqa: B018
        except Exception as exc:
            return [str(w.message) for w in caught], exc
    return [str(w.message) for w in caught], None


def test_alembic_warns_of_a_duplicated_revision_as_the_seam_reads_it(tmp_path: Path) -> None:
    config = _folder(
        tmp_path, ("aaa111", None),
        extra='revision = "aaa111"\ndown_revision = None\ndef upgrade(): pass\n',
    )
    messages, _ = _warnings_loading(config)
    assert [_alembic.duplicated_revision(m) for m in messages] == ["aaa111"]


def test_alembic_warns_of_a_missing_parent_as_the_seam_reads_it(tmp_path: Path) -> None:
    config = _folder(tmp_path, ("aaa111", None), ("bbb222", "ccc333"))
    messages, error = _warnings_loading(config)
    assert isinstance(error, KeyError)
    assert [_alembic.dangling_parent(m) for m in messages] == [("ccc333", "bbb222")]


def test_alembic_names_a_file_without_a_revision_as_the_seam_reads_it(tmp_path: Path) -> None:
    config = _folder(tmp_path, ("aaa111", None), extra="def upgrade(): pass\n")
    _, error = _warnings_loading(config)
    assert isinstance(error, CommandError) and _alembic.is_unidentified_file(error)


def test_alembic_refuses_autogenerate_behind_the_heads_as_the_seam_reads_it(
    tmp_path: Path,
) -> None:
    config = _folder(tmp_path, ("aaa111", None))
    with pytest.raises(CommandError) as caught:
        command.revision(config, message="next", autogenerate=True)
    assert _alembic.is_database_behind(caught.value)


def test_alembic_reports_an_unknown_and_an_ambiguous_revision_as_the_seam_reads_them(
    tmp_path: Path,
) -> None:
    config = _folder(tmp_path, ("aaa111", None), ("bbb222", "aaa111"), ("ccc333", "aaa111"))
    script = ScriptDirectory.from_config(config)
    with pytest.raises(CommandError) as unknown:
        script.get_revision("nope99")
    assert _alembic.unlocated_revision(unknown.value) == "nope99"
    with pytest.raises(CommandError) as ambiguous:
        script.get_revision("head")
    assert _alembic.is_multiple_heads(ambiguous.value)
    with pytest.raises(CommandError) as no_base:
        script.generate_revision("ddd444", "new")
    assert _alembic.is_multiple_heads(no_base.value)
    assert not _alembic.is_multiple_heads(unknown.value)
    assert _alembic.unlocated_revision(ambiguous.value) is None


def test_the_message_texts_are_alembics_own() -> None:
    # Each text the seam matches is in the installed Alembic's source, so a
    # rewording shows up here even where no test above makes Alembic say it.
    source = "".join(
        path.read_text() for path in Path(str(alembic.__file__)).parent.rglob("*.py")
    )
    for text in (
        "is present more than once", "referenced from", "is not present",
        "Could not determine revision id", "Target database is not up to date",
        "Can't locate revision identified by '", "Multiple head revisions are present",
        "Multiple heads are present",
    ):
        assert text in source, text
