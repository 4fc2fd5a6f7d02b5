"""The package's shape: lines per subpackage, import cycles and upward imports.

    python tools/module_map.py [SRC]            # default: src/flask_remodel of this checkout
    git archive REV src | tar -x -C /tmp/rev
    python tools/module_map.py /tmp/rev/src/flask_remodel   # the same at REV

Layers, top to bottom: ``cli`` (prints and exits), ``api`` (what the CLI and users call),
then the core (every other subpackage and module). An *upward* import goes from a lower
layer to a higher one (the core importing ``api`` or ``cli``, ``api`` importing ``cli``).
A *cycle* is a strongly connected group of two or more modules; imports made inside
functions count too, because they still tie the modules together.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import defaultdict
from pathlib import Path

LAYERS = {"cli": 2, "api": 1}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([root.name, *parts])


def imported(tree: ast.AST, name: str, is_package: bool, known: set[str]) -> set[str]:
    """Modules of the package that the module *name* imports."""
    package = name if is_package else name.rpartition(".")[0]
    found: set[str] = set()
    for node in _runtime_nodes(tree):
        targets: list[str] = []
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        for target in targets:
            if target in known and target != name:
                found.add(target)
    return found


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node except those under ``if TYPE_CHECKING:`` (never imported at run time)."""
    nodes: list[ast.AST] = []
    pending = [tree]
    while pending:
        node = pending.pop()
        nodes.append(node)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            pending.extend(node.orelse)
            continue
        pending.extend(ast.iter_child_nodes(node))
    return nodes


def layer(module: str) -> int:
    parts = module.split(".")
    return LAYERS.get(parts[1], 0) if len(parts) > 1 else 0


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of two or more modules (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("src", nargs="?", type=Path,
                        default=Path(__file__).resolve().parent.parent / "src" / "flask_remodel")
    args = parser.parse_args(argv)
    root: Path = args.src.resolve()
    files = {module_name(p, root): p for p in sorted(root.rglob("*.py"))}
    known = set(files)
    graph: dict[str, set[str]] = {}
    lines: dict[str, int] = defaultdict(int)
    modules: dict[str, int] = defaultdict(int)
    for name, path in files.items():
        text = path.read_text()
        graph[name] = imported(ast.parse(text), name, path.name == "__init__.py", known)
        parts = name.split(".")
        in_package = len(parts) > 2 or (len(parts) == 2 and path.name == "__init__.py")
        group = parts[1] if in_package else "(top-level modules)"
        lines[group] += len(text.splitlines())
        modules[group] += 1
    print(f"{'package':<22} {'modules':>7} {'lines':>7}")
    for group in sorted(lines):
        print(f"{group:<22} {modules[group]:>7} {lines[group]:>7}")
    print(f"{'all':<22} {sum(modules.values()):>7} {sum(lines.values()):>7}")
    upward = sorted((a, b) for a, targets in graph.items() for b in targets if layer(b) > layer(a))
    groups = cycles(graph)
    print(f"\nimport cycles: {len(groups)} (modules in them: {sum(len(g) for g in groups)})")
    for group in groups:
        print("  " + ", ".join(m.removeprefix(root.name + ".") for m in group))
    print(f"upward imports: {len(upward)}")
    for a, b in upward:
        print(f"  {a.removeprefix(root.name + '.')} -> {b.removeprefix(root.name + '.')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
