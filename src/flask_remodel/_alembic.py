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


def rendered_type(type_: Any, autogen_context: Any) -> str:
    """The Python text autogenerate writes for a column type, imports included.

    Our own operations (filling a new column) must spell its type exactly as
    Alembic does in the ``add_column`` next to them, user ``render_item``
    hooks included. Alembic's public ``render_python_code`` renders whole
    operations only; the function it uses for types is
    ``alembic.autogenerate.render._repr_type`` (same signature in 1.18 and 1.20).
    """
    from alembic.autogenerate import render

    text: str = render._repr_type(type_, autogen_context)
    return text


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

    Needed only to write ``create_check_constraint`` for Alembic 1.18, which
    has no renderer for it (1.19 added one); the flag is
    ``AutogenContext._has_batch``, which Alembic's own renderers read.
    """
    return bool(autogen_context._has_batch)
