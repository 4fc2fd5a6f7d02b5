"""The one place that touches Alembic's private API.

Keep every such use here, each with the reason and the Alembic versions it
was checked on (1.16.5, 1.17.2, 1.18.4 and 1.20.1, unless it says otherwise),
so an Alembic upgrade has one file to review.
"""

from __future__ import annotations

import functools
import inspect
import os
import sys
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import alembic
from alembic.operations import Operations
from alembic.script import Script
from alembic.script import ScriptDirectory
from alembic.script.base import _only_source_rev_file
from alembic.script.revision import RevisionMap
from alembic.util import load_python_file
from alembic.util import warn

from .errors import RevisionImportError
from .revision_index import Header
from .revision_index import HeaderCache
from .revision_index import read_headers

Implementation = Callable[[Any, Any], Any]


def mark_current(script: Script, is_current: bool) -> None:
    """Make *script* print ``(current)`` as ``alembic history -i`` prints it.

    ``Script.cmd_format`` and ``log_entry`` read ``_db_current_indicator``,
    which Alembic's own ``command.history`` sets; nothing public does.
    """
    script._db_current_indicator = is_current


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
    found: Implementation = Operations._to_impl.dispatch(op_class, "default")
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
        Operations._to_impl._registry[(op_class, "default")] = implementation


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
        renderers._registry[(op_class, "default")] = render


StatementRunner = Callable[[Callable[[], Any], Any], Any]


def wrap_statement_execution(impl: Any, runner: StatementRunner) -> Callable[[], None]:
    """Send every statement Alembic's *impl* executes through *runner*; return an undo.

    Lock timeouts must be set, and a timed-out statement retried, per
    statement, whichever operation (Alembic's, another extension's, or
    ``op.execute``) and whichever part of Alembic (the version table) sends it.
    Alembic routes all of them through ``DefaultImpl._exec(construct,
    execution_options=None, multiparams=None, params=...)`` and offers no
    public hook there (SQLAlchemy's cursor events cannot retry). The wrapper
    is set on the one ``impl`` instance of this migration run, never on the class.
    *runner* gets a zero-argument callable that executes the statement, and
    the statement itself.
    """
    original = impl._exec

    def _exec(construct: Any, *args: Any, **kwargs: Any) -> Any:
        return runner(lambda: original(construct, *args, **kwargs), construct)

    impl._exec = _exec

    def undo() -> None:
        impl._exec = original

    return undo


def render_type(type_: Any, autogen_context: Any) -> str:
    """A column type as autogenerate writes it (``sa.String(length=50)``), imports noted.

    Renderers of custom operations that carry a type (``existing_type=``)
    must write it exactly as Alembic's own ``alter_column`` renderer does,
    including the dialect's and the user's ``render_item`` hooks; Alembic
    keeps that in ``autogenerate.render._repr_type`` and exports nothing public.
    """
    from alembic.autogenerate import render

    rendered: str = render._repr_type(type_, autogen_context)
    return rendered

class LazyRevisionModule(ModuleType):
    """A revision module that holds its header and imports its file on first other use.

    ``Script`` reads ``down_revision``, ``branch_labels`` and ``depends_on`` when
    built and ``__doc__`` for its messages: those come from the index. Anything
    else (``upgrade``, ``downgrade``, helpers) imports the file, as Alembic
    would have, and is read from the real module.
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
            try:
                loaded = load_python_file(os.path.dirname(path), os.path.basename(path))
            except Exception as exc:  # the same error loading the folder gives in Alembic
                raise RevisionImportError(path, f"{type(exc).__name__}: {exc}") from exc
            self.__dict__["_loaded"] = loaded
        return getattr(loaded, name)


def use_revision_index(script: ScriptDirectory) -> None:
    """Make *script* build its revision map from the index instead of importing files.

    ``ScriptDirectory`` fills ``revision_map`` from its private
    ``_load_revisions``; a new ``RevisionMap`` over :func:`_indexed_revisions`
    gives it the same ``Script`` objects, in the same order, with lazy modules.
    """
    script.revision_map = RevisionMap(lambda: _indexed_revisions(script))


def _indexed_revisions(script: ScriptDirectory) -> Iterator[Script]:
    """What ``ScriptDirectory._load_revisions`` yields, without importing each file.

    The listing is Alembic's own (``Script._list_py_dir``, the file-name pattern
    ``_from_path`` applies, duplicates across locations warned about and
    skipped), so files are found and ordered exactly as Alembic does. Sourceless
    folders (``.pyc`` only) are left to Alembic entirely.
    """
    if script.sourceless:
        yield from script._load_revisions()
        return
    locations = [location for location in script._version_locations if location.exists()]
    paths: list[str] = []
    seen: set[str] = set()
    resolved_dirs: dict[Path, str] = {}
    for location in locations:
        for file_path in Script._list_py_dir(script, location):
            real_path = _resolved(file_path, resolved_dirs)
            if real_path in seen:
                warn(
                    f"File {real_path} loaded twice! ignoring. "
                    "Please ensure version_locations is unique."
                )
                continue
            seen.add(real_path)
            if _only_source_rev_file.match(os.path.basename(real_path)):
                paths.append(real_path)
    cache = HeaderCache(script.dir, [str(location) for location in locations])
    headers = read_headers(paths, cache)
    for path in paths:
        header = headers[path]
        if header is None:
            found = Script._from_path(script, path)  # the file needs importing
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
    return script._upgrade_revs(destination, current)


def downgrade_steps(script: ScriptDirectory, destination: str, current: Any) -> Any:
    """The steps ``alembic downgrade`` runs: ``ScriptDirectory._downgrade_revs``."""
    return script._downgrade_revs(destination, current)


def single_step(script: ScriptDirectory, revision: Script, is_upgrade: bool) -> list[Any]:
    """Exactly one revision applied or undone, whatever else the database is at.

    Downgrading "to the parent" with Alembic's planner also undoes every other
    applied branch built on that parent, so a check that takes one revision
    down and up again on a branched history (``flask_remodel.testing``) needs
    the single ``RevisionStep`` that the planner would build for it.
    ``RevisionStep`` and its constructor ``(revision_map, script, is_upgrade)``
    are unchanged between 1.16 and 1.20.
    """
    from alembic.runtime.migration import RevisionStep

    return [RevisionStep(script.revision_map, revision, is_upgrade)]


def copied_column(column: Any) -> Any:
    """A copy of a ``Column`` not attached to any table.

    SQLAlchemy has no public copy (``Column.copy()`` is deprecated since 1.4
    in favour of ``_copy()``); Alembic's own operations copy columns the same
    way (``alembic.util.sqla_compat._copy``). Used to change a column in a
    generated operation without touching the app's models.
    """
    return column._copy()


def renders_in_batch(autogen_context: Any) -> bool:
    """Whether autogenerate is rendering inside a ``batch_alter_table`` block.

    Needed only to write ``create_check_constraint`` for Alembic before 1.19,
    which has no renderer for it; the flag is
    ``AutogenContext._has_batch``, which Alembic's own renderers read.
    """
    return bool(autogen_context._has_batch)


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
    if context.as_sql or context._in_external_transaction:
        return False
    return bool(context._transaction_per_migration or not context.impl.transactional_ddl)


def hooked_step(
    script: ScriptDirectory, revision: Script, is_upgrade: bool, after: Callable[[], None]
) -> Any:
    """:func:`single_step`'s step, calling *after* once the revision's own function returned.

    *after* runs inside the revision's transaction, before Alembic moves the
    version table in the same transaction. ``RevisionStep.migration_fn`` is
    the attribute ``MigrationContext.run_migrations`` calls (set in the
    constructor from 1.16 to 1.20); its ``__name__`` names the step in logs.
    """
    [step] = single_step(script, revision, is_upgrade)
    original = step.migration_fn

    @functools.wraps(original)
    def run(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        after()
        return result

    step.migration_fn = run
    return step


def merge_configure_arguments(merge: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    """Pass the arguments of every ``EnvironmentContext.configure`` call through *merge*.

    ``context.configure(...)`` in env.py reaches the active
    ``EnvironmentContext`` through Alembic's module proxy, which looks the
    method up on the instance's class at each call; wrapping the class
    attribute is therefore the one point every env.py goes through, whoever
    created the context (Alembic's ``command`` functions or ours). Positional
    arguments are bound to their names first, so *merge* sees a plain dict of
    what the caller gave. Installed once per process; calling it again with
    another *merge* replaces the first.
    """
    from alembic.runtime.environment import EnvironmentContext

    original = getattr(EnvironmentContext.configure, "_remodel_original", None)
    if original is None:
        original = EnvironmentContext.configure
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
    EnvironmentContext.configure = configure  # type: ignore[method-assign]
