"""Package attributes imported on first use (PEP 562).

``import flask_remodel`` and building the ``flask db`` group must not import
Alembic: an app pays for it only once a command needs it. A package hands
:func:`lazy_exports` the names it re-exports and the submodule each comes from;
each submodule is imported the first time one of its names is read.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from importlib import import_module
from types import ModuleType
from typing import Any


def lazy_exports(
    package: str,
    modules: Mapping[str, Iterable[str]],
    computed: Mapping[str, Callable[[], Any]] | None = None,
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for *package*.

    :param modules: each module (relative to *package*, e.g. ``".running"``)
        and the names it defines that *package* exports under the same name.
    :param computed: names whose value a function computes on first read.
    """
    exports = {name: source for source, names in modules.items() for name in names}
    module = sys.modules[package]
    module.__class__ = _exports_guard(exports)
    computed = dict(computed or {})

    def __getattr__(name: str) -> Any:
        source = exports.get(name)
        if name in computed:
            value = computed[name]()
        elif source is not None:
            value = getattr(import_module(source, package), name)
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module.__dict__[name] = value  # later reads skip this function
        return value

    def __dir__() -> list[str]:
        return sorted(set(module.__dict__) | set(exports) | set(computed))

    return __getattr__, __dir__


def _exports_guard(exports: Mapping[str, str]) -> type[ModuleType]:
    """A module class that keeps an exported name from being replaced by a submodule.

    Importing ``package.history`` binds the subpackage as ``package.history``;
    where the package exports a function of that name (``flask_remodel.history``,
    ``flask_remodel.lint``) the function must stay, whichever is imported first.
    """

    class Package(ModuleType):
        def __setattr__(self, name: str, value: Any) -> None:
            if (
                name in exports
                and isinstance(value, ModuleType)
                and value.__name__ == f"{self.__name__}.{name}"
            ):
                return
            super().__setattr__(name, value)

    return Package
