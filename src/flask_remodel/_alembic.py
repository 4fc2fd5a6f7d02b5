"""The one place that touches Alembic's (and SQLAlchemy's) private API.

Every private name Flask-Remodel uses, every live Alembic object it patches,
every Alembic message it reads and every behaviour it relies on that Alembic
does not document is a named function here, with the reason, so an Alembic
upgrade has one file to review. Each was checked, unless it says otherwise, on
Alembic 1.16.5 (with SQLAlchemy 1.4.54 and 2.0.58), 1.17.2 and 1.18.4 (with
2.0.58) and 1.20.1 (with 2.1.9). ``tests/seam/test_private_access.py`` fails
on any such use elsewhere in ``src/``.

Each private name (and each public one patched on a live object) is a
:class:`Pinned` in :data:`PINNED`, and the functions here read it through
that entry: a name that is gone, or a function that now takes other
parameters, raises :class:`~flask_remodel.errors.AlembicIncompatibleError`
(or the SQLAlchemy one) saying what changed, instead of an ``AttributeError``
that would surface as something else. ``tests/seam/`` checks every entry, and
every behaviour, against the installed release; ``make test-alembic-latest``
runs it against the newest Alembic, past the cap in ``pyproject.toml``.

Two copies live outside, in the revision index (``flask_remodel.revision_index``),
which must not import Alembic (``tests/unit/test_light_import.py``):
``revision_index/plain.py`` repeats the file-name pattern of
:func:`revision_file_name` and ``revision_index/header.py`` names the module
attribute ``_alembic_source_encoding`` that ``Script.longdoc`` reads. The
contract tests pin both to the installed Alembic.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import os
import re
import sys
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any

import alembic
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from alembic.script import Script
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionMap
from alembic.util import warn

from .errors import AlembicIncompatibleError
from .errors import IncompatibleReleaseError
from .errors import RevisionImportError
from .errors import SQLAlchemyIncompatibleError
from .revision_index import Header
from .revision_index import HeaderCache
from .revision_index import read_headers

Implementation = Callable[[Any, Any], Any]

#: The Alembic releases this Flask-Remodel supports (as in ``pyproject.toml``).
SUPPORTED_ALEMBIC = "alembic>=1.16,<1.21"
#: The SQLAlchemy releases its private names were checked on.
SUPPORTED_SQLALCHEMY = "SQLAlchemy>=1.4,<2.2"


def incompatible(package: str, change: str) -> IncompatibleReleaseError:
    """The error for *change*, something the installed *package* no longer has or does."""
    try:
        remodel = metadata.version("flask-remodel")
    except metadata.PackageNotFoundError:  # a checkout on sys.path, not installed
        remodel = "(unreleased)"
    if package == "sqlalchemy":
        import sqlalchemy

        return SQLAlchemyIncompatibleError(
            remodel, sqlalchemy.__version__, change, SUPPORTED_SQLALCHEMY
        )
    return AlembicIncompatibleError(remodel, alembic.__version__, change, SUPPORTED_ALEMBIC)


_GONE = object()
# The value each entry was last checked as (a bound method by its function).
_checked: dict[Pinned, object] = {}
# The module or class holding each entry, once found.
_owners: dict[Pinned, Any] = {}


@dataclass(frozen=True, eq=False)
class Pinned:
    """A name of Alembic (or SQLAlchemy) used here in a way they do not document.

    A private name, or a public one that is patched on a live object. The
    functions of this module read and write it only through :meth:`read` and
    :meth:`write`, which raise :func:`incompatible` errors when it changed.
    """

    module: str
    """Where it is defined, e.g. ``alembic.script.base``."""
    path: str
    """In *module*: ``name`` or ``Class.name``."""
    parameters: tuple[str, ...] | None = None
    """For a function: the names of the positional parameters it is called
    with, in order (``self``/``cls`` left out); a last ``"**"`` means it must
    also take any keyword. ``None``: not called, or called with nothing."""
    on_instances: bool = False
    """Set by the class's constructor, so only found on its objects."""

    @property
    def name(self) -> str:
        return self.path.rpartition(".")[2]

    @property
    def dotted(self) -> str:
        return f"{self.module}.{self.path}"

    @property
    def package(self) -> str:
        return self.module.partition(".")[0]

    def owner(self) -> Any:
        """The module or class that holds the name."""
        found: Any = _owners.get(self)
        if found is None:
            found = importlib.import_module(self.module)
            for part in self.path.split(".")[:-1]:
                found = getattr(found, part)
            _owners[self] = found
        return found

    def problem(self) -> str | None:
        """What the installed release changed about this name, or ``None``."""
        owner_path = self.path.rpartition(".")[0]
        try:
            owner = self.owner()
        except (ImportError, AttributeError):
            return f"{self.module}{'.' + owner_path if owner_path else ''} is gone"
        if self.on_instances:
            return None  # checked on each object it is read from
        value = getattr(owner, self.name, _GONE)
        if value is _GONE:
            return f"{self.dotted} is gone"
        return self._parameters_problem(value)

    def _parameters_problem(self, value: Any) -> str | None:
        if self.parameters is None:
            return None
        try:
            found = list(inspect.signature(value).parameters.values())
        except (TypeError, ValueError):
            return f"{self.dotted} is no longer a function"
        if found and found[0].name in ("self", "cls"):
            found = found[1:]
        kinds = inspect.Parameter
        positional = [
            p.name for p in found if p.kind in (kinds.POSITIONAL_ONLY, kinds.POSITIONAL_OR_KEYWORD)
        ]
        wanted = [name for name in self.parameters if name != "**"]
        any_keyword = any(p.kind is kinds.VAR_KEYWORD for p in found)
        if positional[: len(wanted)] == wanted and (any_keyword or "**" not in self.parameters):
            return None
        given = ", ".join(self.parameters)
        takes = ", ".join(str(p).split(":")[0].split("=")[0] for p in found)
        return f"{self.dotted} takes ({takes}) where Flask-Remodel passes ({given})"

    def check(self) -> None:
        """Raise the :func:`incompatible` error if the name changed (checked once per value)."""
        try:
            value: object = None if self.on_instances else getattr(self.owner(), self.name)
        except (ImportError, AttributeError):
            value = _GONE
        value = getattr(value, "__func__", value)  # a classmethod is bound anew each time
        if value is not _GONE and _checked.get(self, _GONE) is value:
            return
        problem = self.problem()
        if problem is not None:
            raise incompatible(self.package, problem)
        _checked[self] = value

    def read(self, obj: Any = None) -> Any:
        """The name's value on *obj* (by default on its module or class)."""
        self.check()
        try:
            return getattr(self.owner() if obj is None else obj, self.name)
        except AttributeError:
            raise incompatible(self.package, f"{self.dotted} is gone") from None

    def write(self, obj: Any, value: Any) -> None:
        """Set the name on the one object *obj* (after checking it is there to replace)."""
        self.read(obj)
        setattr(obj, self.name, value)


#: Every entry, in the order defined below; ``tests/seam`` checks each one.
PINNED: list[Pinned] = []


def _pin(
    module: str, path: str, parameters: tuple[str, ...] | None = None, *,
    on_instances: bool = False,
) -> Pinned:
    entry = Pinned(module, path, parameters, on_instances)
    PINNED.append(entry)
    return entry


_TO_IMPL = _pin("alembic.operations.base", "AbstractOperations._to_impl")
_DISPATCH = _pin("alembic.util.langhelpers", "Dispatcher.dispatch", ("obj", "qualifier"))
_DISPATCH_REGISTRY = _pin("alembic.util.langhelpers", "Dispatcher._registry", on_instances=True)
_EXEC = _pin("alembic.ddl.impl", "DefaultImpl._exec", ("construct",))
_REPR_TYPE = _pin("alembic.autogenerate.render", "_repr_type", ("type_", "autogen_context"))
_LOAD_PYTHON_FILE = _pin("alembic.util", "load_python_file", ("dir_", "filename"))
_LOAD_REVISIONS = _pin("alembic.script.base", "ScriptDirectory._load_revisions", ())
_VERSION_LOCATIONS = _pin("alembic.script.base", "ScriptDirectory._version_locations")
_LIST_PY_DIR = _pin("alembic.script.base", "Script._list_py_dir", ("scriptdir", "path"))
_ONLY_SOURCE_REV_FILE = _pin("alembic.script.base", "_only_source_rev_file")
_FROM_PATH = _pin("alembic.script.base", "Script._from_path", ("scriptdir", "path"))
_SCRIPT_INIT = _pin("alembic.script.base", "Script.__init__", ("module", "rev_id", "path"))
_UPGRADE_REVS = _pin(
    "alembic.script.base", "ScriptDirectory._upgrade_revs", ("destination", "current_rev")
)
_DOWNGRADE_REVS = _pin(
    "alembic.script.base", "ScriptDirectory._downgrade_revs", ("destination", "current_rev")
)
_REVISION_STEP_INIT = _pin(
    "alembic.runtime.migration", "RevisionStep.__init__", ("revision_map", "revision", "is_upgrade")
)
_MIGRATION_FN = _pin("alembic.runtime.migration", "RevisionStep.migration_fn", on_instances=True)
_HAS_BATCH = _pin("alembic.autogenerate.api", "AutogenContext._has_batch", on_instances=True)
_IN_EXTERNAL_TRANSACTION = _pin(
    "alembic.runtime.migration", "MigrationContext._in_external_transaction", on_instances=True
)
_TRANSACTION_PER_MIGRATION = _pin(
    "alembic.runtime.migration", "MigrationContext._transaction_per_migration", on_instances=True
)
_CONFIGURE = _pin("alembic.runtime.environment", "EnvironmentContext.configure", ("**",))
_INVOKE = _pin("alembic.operations.base", "Operations.invoke", ("operation",))
_BATCH_INVOKE = _pin("alembic.operations.base", "BatchOperations.invoke", ("operation",))
_BATCH_ALTER_TABLE = _pin(
    "alembic.operations.base", "Operations.batch_alter_table", ("table_name",)
)
_GET_BIND = _pin("alembic.operations.base", "Operations.get_bind", ())
_AUTOCOMMIT_BLOCK = _pin("alembic.runtime.migration", "MigrationContext.autocommit_block", ())
# Set while a migration context runs (``Operations._install_proxy``), so read there only.
_OP_PROXY = _pin("alembic.op", "_proxy", on_instances=True)
# Set by EnvironmentContext.__init__ and read by its get_context(); ``_proxy`` is what
# ``alembic.context``'s functions call, set while an env.py runs.
_MIGRATION_CONTEXT = _pin(
    "alembic.runtime.environment", "EnvironmentContext._migration_context", on_instances=True
)
_CONTEXT_PROXY = _pin("alembic.context", "_proxy", on_instances=True)
# The columns a compiled SELECT returns, in order (set by SQLCompiler as it compiles).
_RESULT_COLUMNS = _pin("sqlalchemy.sql.compiler", "SQLCompiler._result_columns", on_instances=True)
_COLUMN_COPY = _pin("sqlalchemy.sql.schema", "Column._copy", ())
_TYPE_BOUND = _pin("sqlalchemy.sql.schema", "Constraint._type_bound", on_instances=True)


_CURRENT_INDICATOR = _pin("alembic.script.base", "Script._db_current_indicator")


def mark_current(script: Script, is_current: bool) -> None:
    """Make *script* print ``(current)`` as ``alembic history -i`` prints it.

    ``Script.cmd_format`` and ``log_entry`` read ``_db_current_indicator``,
    which Alembic's own ``command.history`` sets; nothing public does.
    """
    _CURRENT_INDICATOR.write(script, is_current)


def registered_implementation(op_class: type[Any]) -> Implementation:
    """What ``Operations.invoke`` runs today for *op_class* (on any database).

    Alembic offers ``Operations.implementation_for(..., replace=True)`` to
    register an implementation, but no public way to read the one registered
    before it. The SQLite rebuilds must call that one for every other database
    and inside batch blocks, and it may not be Alembic's own (another extension
    may have replaced it first), so it is read from the dispatcher that
    ``implementation_for`` writes to: ``AbstractOperations._to_impl``, a
    ``Dispatcher`` shared by ``Operations`` and ``BatchOperations`` whose
    ``dispatch`` accepts a class and walks its MRO. "default" is the qualifier
    ``implementation_for`` registers under.
    """
    found: Implementation = _DISPATCH.read(_TO_IMPL.read())(op_class, "default")
    return found


def _release(version: str) -> tuple[int, int]:
    major, minor = version.split(".")[:2]
    return int(major), int(minor)


#: Alembic's (major, minor) release, for the few things that differ between them.
ALEMBIC_RELEASE = _release(alembic.__version__)

#: Whether autogenerate writes ``op.create_check_constraint`` itself (1.19+);
#: before that its renderer raises ``NotImplementedError``.
RENDERS_CHECK_CONSTRAINTS = ALEMBIC_RELEASE >= (1, 19)


def replace_implementation(op_class: type[Any], implementation: Implementation) -> None:
    """Make *implementation* what ``Operations.invoke`` runs for *op_class*.

    Alembic 1.17+ offers ``Operations.implementation_for(..., replace=True)``.
    1.16 has no ``replace`` and asserts the class has no implementation yet,
    so the entry is set in the dispatcher ``implementation_for`` writes to,
    as it would be: ``_to_impl._registry[(op_class, "default")]``.
    """
    if ALEMBIC_RELEASE >= (1, 17):
        Operations.implementation_for(op_class, replace=True)(implementation)
    else:
        _DISPATCH_REGISTRY.read(_TO_IMPL.read())[(op_class, "default")] = implementation


def replace_renderer(op_class: type[Any], render: Callable[[Any, Any], str]) -> None:
    """Make *render* how autogenerate writes *op_class* (in place of Alembic's renderer).

    ``renderers.dispatch_for(..., replace=True)`` on 1.17+; on 1.16, which
    asserts the class has no renderer yet, the dispatcher's registry entry
    ``(op_class, "default")``, which ``dispatch_for`` would have set.
    """
    from alembic.autogenerate import renderers

    if ALEMBIC_RELEASE >= (1, 17):
        renderers.dispatch_for(op_class, replace=True)(render)
    else:
        _DISPATCH_REGISTRY.read(renderers)[(op_class, "default")] = render


StatementRunner = Callable[[Callable[[], Any], Any], Any]


def wrap_statement_execution(impl: Any, runner: StatementRunner) -> Callable[[], None]:
    """Send every statement Alembic's *impl* executes through *runner*; return an undo.

    Lock timeouts must be set, and a timed-out statement retried, per
    statement, whichever operation (Alembic's, another extension's, or
    ``op.execute``) and whichever part of Alembic (the version table) sends it.
    Alembic routes all of them through ``DefaultImpl._exec(construct,
    execution_options=None, multiparams=None, params=...)``, always looked up
    on the instance (``self._exec``), and offers no public hook there
    (SQLAlchemy's cursor events cannot retry). The wrapper is set on the one
    ``impl`` instance of this migration run, never on the class.
    *runner* gets a zero-argument callable that executes the statement, and
    the statement itself.
    """
    original = _EXEC.read(impl)

    def _exec(construct: Any, *args: Any, **kwargs: Any) -> Any:
        return runner(lambda: original(construct, *args, **kwargs), construct)

    _EXEC.write(impl, _exec)

    def undo() -> None:
        _EXEC.write(impl, original)

    return undo


def render_type(type_: Any, autogen_context: Any) -> str:
    """A column type as autogenerate writes it (``sa.String(length=50)``), imports noted.

    Renderers of custom operations that carry a type (``existing_type=``)
    must write it exactly as Alembic's own ``alter_column`` renderer does,
    including the dialect's and the user's ``render_item`` hooks; Alembic
    keeps that in ``autogenerate.render._repr_type`` and exports nothing public.
    """
    rendered: str = _REPR_TYPE.read()(type_, autogen_context)
    return rendered


class LazyRevisionModule(ModuleType):
    """A revision module that holds its header and imports its file on first other use.

    ``Script`` reads ``down_revision``, ``branch_labels`` and ``depends_on`` when
    built and ``__doc__`` for its messages: those come from the index. Anything
    else (``upgrade``, ``downgrade``, helpers) imports the file, as Alembic
    would have (with ``alembic.util.load_python_file``, undocumented), and is
    read from the real module. ``Script.longdoc`` also probes
    ``_alembic_source_encoding``, which the index never sets (it leaves files
    that set it to Alembic).
    """

    def __init__(self, path: str, header: Header) -> None:
        doc = None if sys.flags.optimize >= 2 else header.doc  # -OO drops docstrings
        # The name is for display only: an import names the module as Alembic does.
        super().__init__(os.path.basename(path), doc)
        self.__file__ = path
        self.revision = header.revision
        self.down_revision = header.down_revision
        self.branch_labels = header.branch_labels
        self.depends_on = header.depends_on

    def __getattr__(self, name: str) -> Any:
        # Only called for attributes not set above. Dunder probes and the
        # encoding marker (the reader refuses files that set it) stay cheap.
        if name.startswith("__") or name == "_alembic_source_encoding":
            raise AttributeError(name)
        loaded = self.__dict__.get("_loaded")
        if loaded is None:
            path = self.__file__ or ""
            load = _LOAD_PYTHON_FILE.read()
            try:
                loaded = load(os.path.dirname(path), os.path.basename(path))
            except Exception as exc:  # the same error loading the folder gives in Alembic
                raise RevisionImportError(path, f"{type(exc).__name__}: {exc}") from exc
            self.__dict__["_loaded"] = loaded
        return getattr(loaded, name)


def use_revision_index(script: ScriptDirectory) -> None:
    """Make *script* build its revision map from the index instead of importing files.

    ``ScriptDirectory`` fills ``revision_map`` from its private
    ``_load_revisions``; a new ``RevisionMap`` over :func:`_indexed_revisions`
    gives it the same ``Script`` objects, in the same order, with lazy modules.
    Every ``ScriptDirectory`` method reads ``self.revision_map``.
    """
    script.revision_map = RevisionMap(lambda: _indexed_revisions(script))


def revision_file_name() -> re.Pattern[str]:
    """The file names Alembic's listing takes as revision sources: ``_only_source_rev_file``.

    ``revision_index/plain.py`` keeps a copy (it must not import Alembic), pinned
    to this one by the contract tests.
    """
    pattern: re.Pattern[str] = _ONLY_SOURCE_REV_FILE.read()
    return pattern


def _indexed_revisions(script: ScriptDirectory) -> Iterator[Script]:
    """What ``ScriptDirectory._load_revisions`` yields, without importing each file.

    The listing is Alembic's own (``Script._list_py_dir``, the file-name pattern
    ``_from_path`` applies, duplicates across locations warned about and
    skipped), so files are found and ordered exactly as Alembic does. Sourceless
    folders (``.pyc`` only) are left to Alembic entirely. ``Script(module,
    rev_id, path)`` is what ``Script._from_path`` builds once it has the module.
    """
    if script.sourceless:
        yield from _LOAD_REVISIONS.read(script)()
        return
    _SCRIPT_INIT.check()
    list_py_dir = _LIST_PY_DIR.read()
    from_path = _FROM_PATH.read()
    source_file = revision_file_name()
    locations = [location for location in _VERSION_LOCATIONS.read(script) if location.exists()]
    paths: list[str] = []
    seen: set[str] = set()
    resolved_dirs: dict[Path, str] = {}
    for location in locations:
        for file_path in list_py_dir(script, location):
            real_path = _resolved(file_path, resolved_dirs)
            if real_path in seen:
                warn(
                    f"File {real_path} loaded twice! ignoring. "
                    "Please ensure version_locations is unique."
                )
                continue
            seen.add(real_path)
            if source_file.match(os.path.basename(real_path)):
                paths.append(real_path)
    cache = HeaderCache(script.dir, [str(location) for location in locations])
    headers = read_headers(paths, cache)
    for path in paths:
        header = headers[path]
        if header is None:
            found = from_path(script, path)  # the file needs importing
            if found is not None:
                yield found
        else:
            yield Script(LazyRevisionModule(path, header), header.revision, path)


def _resolved(file_path: Path, resolved_dirs: dict[Path, str]) -> str:
    """``str(file_path.resolve())``, resolving each folder once (Alembic resolves every file)."""
    if os.path.islink(file_path):
        return str(file_path.resolve())
    parent = resolved_dirs.get(file_path.parent)
    if parent is None:
        parent = resolved_dirs[file_path.parent] = str(file_path.parent.resolve())
    return os.path.join(parent, file_path.name)


def upgrade_steps(script: ScriptDirectory, destination: str, current: Any) -> Any:
    """The steps ``alembic upgrade`` runs: ``ScriptDirectory._upgrade_revs``.

    ``command.upgrade`` builds its own ``ScriptDirectory`` (importing every
    revision); calling the same step function on ours keeps the indexed one.
    ``flask_remodel.testing`` needs it too: it runs revisions on a scratch
    connection it holds itself, not through ``command.upgrade`` and env.py.
    """
    return _UPGRADE_REVS.read(script)(destination, current)


def downgrade_steps(script: ScriptDirectory, destination: str, current: Any) -> Any:
    """The steps ``alembic downgrade`` runs: ``ScriptDirectory._downgrade_revs``."""
    return _DOWNGRADE_REVS.read(script)(destination, current)


def single_step(script: ScriptDirectory, revision: Script, is_upgrade: bool) -> list[Any]:
    """Exactly one revision applied or undone, whatever else the database is at.

    Downgrading "to the parent" with Alembic's planner also undoes every other
    applied branch built on that parent, so a check that takes one revision
    down and up again on a branched history (``flask_remodel.testing``) needs
    the single ``RevisionStep`` that the planner would build for it.
    ``RevisionStep`` and its constructor ``(revision_map, revision, is_upgrade)``
    are undocumented.
    """
    from alembic.runtime.migration import RevisionStep

    _REVISION_STEP_INIT.check()
    return [RevisionStep(script.revision_map, revision, is_upgrade)]


def copied_column(column: Any) -> Any:
    """A copy of a ``Column`` not attached to any table.

    SQLAlchemy has no public copy (``Column.copy()`` is deprecated since 1.4
    in favour of ``_copy()``); Alembic's own operations copy columns the same
    way (``alembic.util.sqla_compat._copy``). Used to change a column in a
    generated operation without touching the app's models.
    """
    return _COLUMN_COPY.read(column)()


def made_by_column_type(constraint: Any) -> bool:
    """Whether a CHECK constraint in the models was made by its column's type.

    ``Boolean``/``Enum(create_constraint=True)`` add a CHECK of their own to
    the table; autogenerate compares those with the column's type, not as
    constraints. SQLAlchemy marks them ``Constraint._type_bound`` (its own
    ``Table.to_metadata`` skips them by it) and says it nowhere public.
    """
    return bool(_TYPE_BOUND.read(constraint))


def renders_in_batch(autogen_context: Any) -> bool:
    """Whether autogenerate is rendering inside a ``batch_alter_table`` block.

    Needed only to write ``create_check_constraint`` for Alembic before 1.19,
    which has no renderer for it; the flag is
    ``AutogenContext._has_batch``, which Alembic's own renderers read.
    """
    return bool(_HAS_BATCH.read(autogen_context))


def commits_each_step(context: Any) -> bool:
    """Whether the configured ``MigrationContext`` commits after every revision it runs.

    The deploy runner runs all pending revisions in one Alembic run only when
    each still gets a transaction of its own; otherwise (an env.py that
    begins its own transaction, or one without ``transaction_per_migration``
    where DDL is transactional) it runs them one Alembic run each, as before.
    Alembic keeps both facts private: ``MigrationContext._in_external_transaction``
    and ``_transaction_per_migration``, read by ``begin_transaction``
    (unchanged between 1.16 and 1.20).
    """
    if context.as_sql or _IN_EXTERNAL_TRANSACTION.read(context):
        return False
    return bool(_TRANSACTION_PER_MIGRATION.read(context) or not context.impl.transactional_ddl)


def hooked_step(
    script: ScriptDirectory,
    revision: Script,
    is_upgrade: bool,
    after: Callable[[], None],
    around: Callable[[Callable[[], Any]], Any] | None = None,
) -> Any:
    """:func:`single_step`'s step, calling *after* once the revision's own function returned.

    *after* runs inside the revision's transaction, before Alembic moves the
    version table in the same transaction. *around*, if given, is handed the
    revision's own function (as a callable without arguments) to call: the
    lock policy's whole-revision retries. ``RevisionStep.migration_fn`` is
    the attribute ``MigrationContext.run_migrations`` calls (set in the
    constructor from 1.16 to 1.20); its ``__name__`` names the step in logs.
    """
    [step] = single_step(script, revision, is_upgrade)
    original = _MIGRATION_FN.read(step)

    @functools.wraps(original)
    def run(*args: Any, **kwargs: Any) -> Any:
        if around is None:
            result = original(*args, **kwargs)
        else:
            result = around(lambda: original(*args, **kwargs))
        after()
        return result

    _MIGRATION_FN.write(step, run)
    return step


def steps_one_at_a_time(
    script: ScriptDirectory,
    revisions: Sequence[Script],
    is_upgrade: bool,
    *,
    before: Callable[[Script], None],
    inside: Callable[[Script], None],
    committed: Callable[[Script], None],
    around: Callable[[Callable[[], Any]], Any] | None = None,
) -> Iterator[Any]:
    """The steps that apply (or undo) *revisions* in order, each made when Alembic asks for it.

    For the ``fn`` of an ``EnvironmentContext`` whose env.py commits each
    revision on its own (:func:`commits_each_step`). For each revision,
    *before* runs when no transaction of its step is open yet, *inside* (see
    :func:`hooked_step`) in that transaction once the revision's own function
    returned, and *committed* once the transaction has ended; *around* is
    passed on to :func:`hooked_step`.

    That timing is Alembic's loop ``for step in fn(heads, context)`` in
    ``MigrationContext.run_migrations``: it asks for a step, opens its
    transaction (``begin_transaction(_per_migration=True)``), runs it, moves
    the version table, ends the transaction, and only then asks for the next.
    Alembic documents ``fn`` as returning an iterable, not that it is read one
    step at a time: were the list built first, every *before* would run up
    front and *committed* would be reported before anything ran. Pinned by
    ``tests/seam/test_lazy_steps.py``; should Alembic ask for the next step
    before running this one, this raises
    :class:`~flask_remodel.errors.AlembicIncompatibleError` instead of
    calling *committed*.
    """
    for revision in revisions:
        before(revision)
        ran: list[Script] = []

        def after(revision: Script = revision, ran: list[Script] = ran) -> None:
            inside(revision)
            ran.append(revision)

        yield hooked_step(script, revision, is_upgrade, after, around)
        if not ran:
            raise incompatible(
                "alembic",
                "MigrationContext.run_migrations asks for the next migration step before "
                "it ran the one before",
            )
        committed(revision)


Wrapper = Callable[[Callable[..., Any]], Callable[..., Any]]


def _shadow(pinned: Pinned, instance: object, wrap: Wrapper) -> None:
    """Replace *pinned*'s method on *instance* only, with *wrap* of the real one.

    An attribute in the instance's ``__dict__`` shadows the class's method
    for every lookup on that object; the class and other objects keep it.
    """
    instance.__dict__[pinned.name] = wrap(pinned.read(instance))


@contextmanager
def intercepted_operations(
    context: MigrationContext,
    *,
    invoke: Wrapper,
    batch_alter_table: Wrapper,
    get_bind: Wrapper,
    autocommit_block: Wrapper,
) -> Iterator[Operations]:
    """``Operations.context(context)``, four of its methods replaced on these objects only.

    Each argument receives the real bound method and returns what runs in
    its place: *invoke*, *batch_alter_table* and *get_bind* on the
    ``Operations`` that a revision's ``op`` reaches, *autocommit_block* on
    *context* (what ``op.get_context().autocommit_block()`` finds). The
    linter records each operation a revision asks for this way. Use
    :func:`intercepted_batch_invoke` for each batch block's operations.

    This relies on what Alembic does not document: each ``op.*`` function is
    a proxy that calls the method of the same name on the ``Operations``
    object of ``Operations.context`` (looked up on the object, as
    ``p.<name>(...)``), each operation method ends in ``operations.invoke(op)``
    on that same object, and ``op.get_context()`` returns *context* itself.
    ``tests/seam/test_alembic_contract.py`` runs a revision through it.
    """
    for pinned in (_AUTOCOMMIT_BLOCK, _INVOKE, _BATCH_ALTER_TABLE, _GET_BIND):
        pinned.check()  # before anything is replaced
    original = context.__dict__.pop(_AUTOCOMMIT_BLOCK.name, None)
    try:
        _shadow(_AUTOCOMMIT_BLOCK, context, autocommit_block)
        with Operations.context(context) as operations:
            _shadow(_INVOKE, operations, invoke)
            _shadow(_BATCH_ALTER_TABLE, operations, batch_alter_table)
            _shadow(_GET_BIND, operations, get_bind)
            yield operations
    finally:
        context.__dict__.pop(_AUTOCOMMIT_BLOCK.name, None)
        if original is not None:
            context.__dict__[_AUTOCOMMIT_BLOCK.name] = original


def result_column_count(compiled: Any) -> int:
    """How many columns the compiled statement *compiled* selects (0 for text and DDL).

    The linter's stand-in cursor describes that many columns for a query, as a
    database would: the ORM matches a result's columns to the cursor's by
    position. SQLAlchemy keeps the list on the compiler and offers nothing public.
    """
    if compiled is None or not hasattr(compiled, _RESULT_COLUMNS.name):
        return 0  # DDL and text() compile without one
    return len(_RESULT_COLUMNS.read(compiled) or ())


@contextmanager
def environment_for(context: MigrationContext) -> Iterator[None]:
    """``alembic.context`` (what env.py and some revisions import) answering for *context*.

    The linter replays revisions without running env.py, so no
    ``EnvironmentContext`` is established: a revision calling
    ``context.get_context()`` (to read the dialect) got a NameError. Here one
    is, for as long as the block lasts, whose ``get_context()`` is *context*
    and whose ``is_offline_mode()`` is false (the replay answers as the
    database would). Where env.py already runs (the upgrade's gate) its own
    stays, untouched.
    """
    from alembic.config import Config
    from alembic.runtime.environment import EnvironmentContext

    module = importlib.import_module("alembic.context")
    if getattr(module, _CONTEXT_PROXY.name, None) is not None:
        yield
        return
    environment = EnvironmentContext(Config(), None)  # type: ignore[arg-type]
    _MIGRATION_CONTEXT.write(environment, context)
    with environment:
        yield


@contextmanager
def intercepted_running_operations(
    *,
    invoke: Wrapper,
    batch_alter_table: Wrapper,
    get_bind: Wrapper,
    autocommit_block: Wrapper,
) -> Iterator[MigrationContext]:
    """As :func:`intercepted_operations`, on the ``Operations`` a running revision's ``op`` has.

    For the upgrade's lint gate, which watches a revision's operations as the
    real run sends them (on the real connection) instead of running the
    revision once more offline. Called from inside a revision's ``upgrade()``:
    ``alembic.op._proxy`` (undocumented) is then the ``Operations`` object of
    the run's ``Operations.context``, the one each ``op.*`` proxy calls. A new
    ``Operations.context`` would not do: leaving it removes the proxy the rest
    of the run still needs. Yields the run's ``MigrationContext``.
    """
    for pinned in (_AUTOCOMMIT_BLOCK, _INVOKE, _BATCH_ALTER_TABLE, _GET_BIND):
        pinned.check()
    operations = _OP_PROXY.read(importlib.import_module("alembic.op"))
    if not isinstance(operations, Operations):
        raise incompatible("alembic", "alembic.op._proxy is not the running Operations object")
    context = operations.migration_context
    shadowed = [(_INVOKE, operations, invoke), (_BATCH_ALTER_TABLE, operations, batch_alter_table),
                (_GET_BIND, operations, get_bind), (_AUTOCOMMIT_BLOCK, context, autocommit_block)]
    saved = [(pinned, obj, obj.__dict__.pop(pinned.name, _GONE)) for pinned, obj, _ in shadowed]
    try:
        for pinned, obj, wrap in shadowed:
            _shadow(pinned, obj, wrap)
        yield context
    finally:
        for pinned, obj, before in saved:
            obj.__dict__.pop(pinned.name, None)
            if before is not _GONE:
                obj.__dict__[pinned.name] = before


def intercepted_batch_invoke(batch_operations: Any, invoke: Wrapper) -> None:
    """Replace ``invoke`` on the ``BatchOperations`` of one ``batch_alter_table`` block.

    Each ``batch_op.*`` method ends in ``invoke`` on that object, as on
    ``Operations`` (see :func:`intercepted_operations`).
    """
    _shadow(_BATCH_INVOKE, batch_operations, invoke)


def merge_configure_arguments(merge: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    """Pass the arguments of every ``EnvironmentContext.configure`` call through *merge*.

    ``context.configure(...)`` in env.py reaches the active
    ``EnvironmentContext`` through Alembic's module proxy, which looks the
    method up on the instance's class at each call; wrapping the class
    attribute is therefore the one point every env.py goes through, whoever
    created the context (Alembic's ``command`` functions or ours). Positional
    arguments are bound to their names first, so *merge* sees a plain dict of
    what the caller gave; the keywords Alembic passes on (its ``**kw``) come
    with them. Installed once per process; calling it again with another
    *merge* replaces the first.
    """
    from alembic.runtime.environment import EnvironmentContext

    current = _CONFIGURE.read()
    original = getattr(current, "_remodel_original", None) or current
    signature = inspect.signature(original)
    catch_all = next(
        name for name, parameter in signature.parameters.items()
        if parameter.kind is inspect.Parameter.VAR_KEYWORD
    )

    @functools.wraps(original)
    def configure(self: Any, *args: Any, **kwargs: Any) -> None:
        bound = signature.bind(self, *args, **kwargs).arguments
        given = {name: value for name, value in bound.items() if name not in ("self", catch_all)}
        given.update(bound.get(catch_all, {}))
        original(self, **merge(given))

    configure._remodel_original = original  # type: ignore[attr-defined]
    _CONFIGURE.write(EnvironmentContext, configure)


# Alembic's messages. None is documented, so each is read by its text, the same
# from 1.16.5 to 1.20.1; tests/seam/test_alembic_contract.py has Alembic produce
# each one.

_DUPLICATE = re.compile(r"Revision (\S+) is present more than once")
# The referring revision is named by its summary line: "<down> -> <id> (head), msg".
_DANGLING = re.compile(r"Revision (\S+) referenced from (?:\S+ -> )?(\S+).* is not present")
_UNLOCATED = re.compile(r"Can't locate revision identified by '([^']+)'")


def duplicated_revision(warning: str) -> str | None:
    """The id in ``RevisionMap``'s warning that two files declare it (it keeps one)."""
    match = _DUPLICATE.search(warning)
    return match.group(1) if match else None


def dangling_parent(warning: str) -> tuple[str, str] | None:
    """(missing id, revision naming it) from ``RevisionMap``'s warning about a parent.

    Alembic warns, then fails with a bare ``KeyError`` of the missing id.
    """
    match = _DANGLING.search(warning)
    return (match.group(1), match.group(2)) if match else None


def is_unidentified_file(error: BaseException) -> bool:
    """Whether *error* is ``Script._from_path``'s: a file with no ``revision`` variable."""
    return "Could not determine revision id" in str(error)


def is_database_behind(error: BaseException) -> bool:
    """Whether *error* is autogenerate's refusal while the database is behind the heads."""
    return "Target database is not up to date" in str(error)


def unlocated_revision(error: BaseException) -> str | None:
    """The name in ``ScriptDirectory``'s "Can't locate revision" error, if it is that one."""
    match = _UNLOCATED.search(str(error))
    return match.group(1) if match else None


def is_multiple_heads(error: BaseException) -> bool:
    """Whether *error* is one of ``ScriptDirectory``'s errors about several heads."""
    text = str(error)
    return "Multiple head revisions are present" in text or "Multiple heads are present" in text
