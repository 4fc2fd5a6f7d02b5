"""Autogenerate comparators registered the way the installed Alembic understands.

Alembic 1.18 groups comparators into named plugins, which each
``context.configure(autogenerate_plugins=[...])`` switches on; it runs them by
priority, a dialect's before the default ones, and a comparator can stop the
ones after it. Older releases (Flask-Remodel supports 1.16 and 1.17) have one
process-wide list per kind of comparison, ``alembic.autogenerate.comparators``:
every function in it runs for every autogenerate in the process, after
Alembic's own, whatever the database.

The comparator modules describe theirs once (:class:`Comparator`) and
:func:`register` does the rest, so a migration written with either Alembic
holds the same operations. This is the one module that decides by Alembic's
version how comparators are registered.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .._alembic import ALEMBIC_RELEASE

#: Whether Alembic has plugins and reads ``autogenerate_plugins`` (1.18+).
PLUGINS_SUPPORTED = ALEMBIC_RELEASE >= (1, 18)

#: A comparator: Alembic's arguments for its target, and ``True`` when it has
#: settled the element, so that no later comparison of it runs.
CompareFunction = Callable[..., "bool | None"]


@dataclass(frozen=True)
class Comparator:
    """One comparison Flask-Remodel adds to autogenerate.

    :param compare: called as Alembic calls a comparator of *target*.
    :param target: ``"schema"``, ``"table"`` or ``"column"``.
    :param element: what it compares (Alembic's "subgroup"); a ``True`` from
        *compare* skips the later comparators of the same element.
    :param dialects: the databases it runs on; empty for all.
    :param first: run before Alembic's own comparisons of *element*. Only
        Alembic 1.18+ can order comparators, so on older releases such a
        comparator is not registered at all: give it only a job that those
        releases do themselves, inside their own comparison.
    :param only_before_1_18: registered only on Alembic before 1.18, where it
        runs after Alembic's own comparisons, to do what 1.18+ does itself.
    """

    compare: CompareFunction
    target: str
    element: str
    dialects: tuple[str, ...] = ()
    first: bool = False
    only_before_1_18: bool = False


_registered: set[str] = set()


def register(name: str, comparators: Sequence[Comparator]) -> None:
    """Register *comparators* as the plugin *name*; a second call changes nothing."""
    if name in _registered:
        return
    _registered.add(name)
    if PLUGINS_SUPPORTED:
        _register_plugin(name, [c for c in comparators if not c.only_before_1_18])
        return
    for comparator in comparators:
        if not comparator.first:
            _add_to_process_list(name, comparator)


def _register_plugin(name: str, comparators: Sequence[Comparator]) -> None:
    from alembic.runtime.plugins import Plugin
    from alembic.util import DispatchPriority

    try:
        plugin = Plugin(name)
    except ValueError:  # someone registered the name before us: theirs stands
        return
    for comparator in comparators:
        run = _with_result(comparator.compare)
        priority = DispatchPriority.FIRST if comparator.first else DispatchPriority.MEDIUM
        for qualifier in comparator.dialects or ("default",):
            plugin.add_autogenerate_comparator(
                run, comparator.target, comparator.element, qualifier=qualifier, priority=priority
            )


def _with_result(compare: CompareFunction) -> Callable[..., Any]:
    """*compare* answering in Alembic 1.18's terms (``STOP`` for ``True``)."""
    from alembic.util import PriorityDispatchResult

    def run(*args: Any) -> Any:
        stop = compare(*args)
        return PriorityDispatchResult.STOP if stop else PriorityDispatchResult.CONTINUE

    # A traceback, or a look at the registered functions, then names the comparator.
    run.__name__ = run.__qualname__ = compare.__name__
    return run


def _add_to_process_list(name: str, comparator: Comparator) -> None:
    from alembic.autogenerate import comparators

    compare = comparator.compare
    reorders = comparator.target == "schema" and bool(comparator.dialects)

    def run(autogen_context: Any, container: Any, *rest: Any) -> None:
        # The list runs for every autogenerate in the process: keep plain
        # Alembic (and apps that leave Flask-Remodel's names out) as they were.
        # Alembic < 1.18 keeps an option it does not know among the others.
        if not enabled(name, autogen_context.opts.get("autogenerate_plugins")):
            return
        if comparator.dialects and autogen_context.dialect.name not in comparator.dialects:
            return
        count = len(container.ops) if reorders else 0
        compare(autogen_context, container, *rest)
        if reorders:
            # On 1.18+ a dialect's schema comparator runs before Alembic's
            # table comparison: its operations lead the script there, so they
            # lead it here too.
            added = container.ops[count:]
            del container.ops[count:]
            container.ops[:0] = added

    run.__name__ = run.__qualname__ = compare.__name__
    comparators.dispatch_for(comparator.target)(run)


def enabled(name: str, patterns: Sequence[str] | None) -> bool:
    """Whether the ``autogenerate_plugins`` list *patterns* switches on the plugin *name*.

    The same reading as Alembic 1.18's: a dotted name, where a ``*`` part
    stands for one or more parts, and ``~`` in front excludes. Without the
    option, only Alembic's own comparators run.
    """
    if not patterns:
        return False
    included = False
    for pattern in patterns:
        if pattern.startswith("~"):
            if _matches(pattern[1:], name):
                return False
        elif _matches(pattern, name):
            included = True
    return included


def _matches(pattern: str, name: str) -> bool:
    parts = (".+" if part == "*" else re.escape(part) for part in pattern.split("."))
    return re.fullmatch(r"\.".join(parts), name) is not None
