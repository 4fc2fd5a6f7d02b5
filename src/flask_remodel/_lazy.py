"""Package attributes imported on first use (PEP 562), each declared once.

``import flask_remodel`` and building the ``flask db`` group must not import
Alembic: an app pays for it only once a command needs it. So a package lists
what it re-exports once, as ``from .module import name as name`` lines under
``if TYPE_CHECKING:``. Type checkers read those lines as the imports they are;
:func:`lazy_exports` reads the same lines from the package's compiled code (the
block is compiled even though it never runs) and imports each module the first
time one of its names is read. A public name that is bound when the package
runs (``from . import errors``) is read the same way and simply never needs
importing; names bound to ``_private`` names are not exports.
"""

from __future__ import annotations

import dis
import inspect
import sys
from collections.abc import Callable
from collections.abc import Mapping
from importlib import import_module
from types import CodeType
from types import ModuleType
from typing import Any


def lazy_exports(
    package: str,
    computed: Mapping[str, Callable[[], Any]] | None = None,
    keep: tuple[str, ...] = (),
) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """``__getattr__``, ``__dir__`` and ``__all__`` for *package*; call it from its body.

    :param computed: names whose value a function computes on first read.
    :param keep: exported names that are also the name of a subpackage: importing
        the subpackage must not replace the export (see :func:`_keeping`).
    """
    module = sys.modules[package]
    frame = inspect.currentframe()
    caller = frame.f_back if frame is not None else None
    if caller is None:  # an interpreter without frames: read the module's own code
        loader = module.__spec__.loader if module.__spec__ else None
        exports = relative_imports(loader.get_code(package))  # type: ignore[union-attr]
    else:
        exports = relative_imports(caller.f_code)
    computed = dict(computed or {})
    if keep:
        module.__class__ = _keeping(frozenset(keep))

    def __getattr__(name: str) -> Any:
        if name in computed:
            value = computed[name]()
        elif name in exports:
            source, attribute = exports[name]
            if source.strip("."):
                value = getattr(import_module(source, package), attribute)
            else:  # ``from . import name``: a submodule
                value = import_module(source + attribute, package)
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module.__dict__[name] = value  # later reads skip this function
        return value

    def __dir__() -> list[str]:
        return sorted(set(module.__dict__) | set(exports) | set(computed))

    return __getattr__, __dir__, sorted(set(exports) | set(computed))


def relative_imports(code: CodeType) -> dict[str, tuple[str, str]]:
    """``{bound name: (relative module, attribute)}`` for each ``from .module import ...``
    in *code* (a module's code), whether or not that statement runs."""
    found: dict[str, tuple[str, str]] = {}
    instructions = list(dis.get_instructions(code))
    for at, instruction in enumerate(instructions):
        # LOAD_CONST level, LOAD_CONST fromlist, IMPORT_NAME module, then
        # IMPORT_FROM attribute, STORE_NAME name for each imported name.
        level = instructions[at - 2].argval if at >= 2 else 0
        if instruction.opname != "IMPORT_NAME" or not isinstance(level, int) or level < 1:
            continue
        source = "." * level + instruction.argval
        following = iter(instructions[at + 1:])
        for taken, stored in zip(following, following, strict=False):
            if taken.opname != "IMPORT_FROM" or stored.opname != "STORE_NAME":
                break
            if not stored.argval.startswith("_"):
                found[stored.argval] = (source, taken.argval)
    return found


def _keeping(names: frozenset[str]) -> type[ModuleType]:
    """A module class that keeps *names* from being replaced by subpackages of those names.

    Importing ``package.lint`` binds the subpackage as ``package.lint``; where
    the package exports a function of that name the function must stay,
    whichever is imported first. Two such names are public and documented:
    ``flask_remodel.lint()`` beside the Flask-free package ``flask_remodel.lint``,
    and ``flask_remodel.autogenerate.rewrite()`` beside its module.
    """

    class Package(ModuleType):
        def __setattr__(self, name: str, value: Any) -> None:
            if (
                name in names
                and isinstance(value, ModuleType)
                and value.__name__ == f"{self.__name__}.{name}"
            ):
                return
            super().__setattr__(name, value)

    return Package
