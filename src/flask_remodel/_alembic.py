"""The one place that touches Alembic's private API.

Keep every such use here, each with the reason and the Alembic versions it
was checked on (1.18.4 and 1.20.1), so an Alembic upgrade has one file to review.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from alembic.operations import Operations
from alembic.script import Script

Implementation = Callable[[Any, Any], Any]


def mark_current(script: Script, is_current: bool) -> None:
    """Make ``Script.cmd_format`` print "(current)" as ``alembic history -i`` does.

    Alembic keeps this flag in ``Script._db_current_indicator``; formatting
    the line ourselves would drift from Alembic's layout.
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
