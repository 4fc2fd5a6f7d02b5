"""RM505 finds imports by walking statement blocks only: it must miss none that ast.walk sees."""

from __future__ import annotations

import ast
import textwrap

from flask_remodel.lint.rules.migration_imports_app_models import _import_statements

SOURCE = textwrap.dedent("""
    import os
    from alembic import op

    if os.environ:
        import a_if
    else:
        import a_else
    try:
        import a_try
    except ImportError:
        import a_handler
    else:
        import a_try_else
    finally:
        import a_finally
    for _ in ():
        import a_for
    else:
        import a_for_else
    while False:
        import a_while
    with open(__file__):
        import a_with
    match os.name:
        case "nt":
            import a_case
    class Holder:
        import a_class
        def method(self):
            import a_method
    def upgrade():
        def inner():
            from a_inner import thing
        async def later():
            async with x:
                import a_async_with
        op.execute(f"{[__import__('not_a_statement')]}")
""")


def _names(nodes: object) -> list[tuple[int, str]]:
    found = []
    for node in nodes:  # type: ignore[attr-defined]
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.lineno, node.module or ""))
    return sorted(found)


def test_statement_search_finds_every_import_ast_walk_finds() -> None:
    tree = ast.parse(SOURCE)
    found = _names(_import_statements(tree))
    assert found == _names(ast.walk(tree))
    assert {name for _, name in found} >= {
        "a_handler", "a_finally", "a_case", "a_method", "a_inner", "a_async_with", "a_for_else"
    }
