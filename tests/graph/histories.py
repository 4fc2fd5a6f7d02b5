"""Revision files written by hand, for graph and squash tests.

Ids are fixed 12-hex strings derived from a short name, so tests can name
revisions ("b2") and still look like Alembic's.
"""

from __future__ import annotations

import hashlib
import textwrap
from collections.abc import Sequence
from pathlib import Path


def rid(name: str) -> str:
    """The revision id used for *name* in these histories."""
    return hashlib.sha1(name.encode()).hexdigest()[:12]


def _literal(value: str | Sequence[str] | None) -> str:
    if value is None:
        return "None"
    if isinstance(value, str):
        return repr(value)
    return repr(tuple(value))


def write_revision(
    versions: Path,
    name: str,
    down: str | Sequence[str] | None,
    message: str,
    *,
    upgrade: str = "pass",
    downgrade: str = "pass",
    branch_labels: Sequence[str] | None = None,
    depends_on: Sequence[str] | None = None,
    header: str = "",
) -> Path:
    """Write revision *name* (id ``rid(name)``) whose parents are the named revisions."""
    down_ids = None if down is None else (
        rid(down) if isinstance(down, str) else [rid(d) for d in down]
    )
    depends = None if depends_on is None else [rid(d) for d in depends_on]
    path = versions / f"{rid(name)}_{name}.py"
    source = (
        f'"""{message}\n\nRevision ID: {rid(name)}\n"""\n'
        "from alembic import op\nimport sqlalchemy as sa\n"
        f"{header}\n"
        f"revision = {rid(name)!r}\n"
        f"down_revision = {_literal(down_ids)}\n"
        f"branch_labels = {_literal(branch_labels)}\n"
        f"depends_on = {_literal(depends)}\n\n\n"
        "def upgrade():\n" + textwrap.indent(textwrap.dedent(upgrade).strip(), "    ") + "\n\n\n"
        "def downgrade():\n" + textwrap.indent(textwrap.dedent(downgrade).strip(), "    ") + "\n"
    )
    versions.mkdir(parents=True, exist_ok=True)
    path.write_text(source, encoding="utf-8")
    return path


def branchy(versions: Path) -> dict[str, str]:
    """A history with a branch point, a labelled branch, a merge, a dependency and two heads::

        a (base) - b (branch point) - c ------- e (merge) - f (head)
                                    \\ d (tags) /
                   \\ g (audit, depends on c) - h (head)     [g's parent is b]
    """
    write_revision(versions, "a", None, "Create users")
    write_revision(versions, "b", "a", "Add email to users")
    write_revision(versions, "c", "b", "Add posts")
    write_revision(versions, "d", "b", "Add tags", branch_labels=["tags"])
    write_revision(versions, "e", ["c", "d"], "Merge posts and tags")
    write_revision(versions, "f", "e", 'Index "posts" <title> & tags')
    write_revision(versions, "g", "b", "Audit log", branch_labels=["audit"], depends_on=["c"])
    write_revision(versions, "h", "g", "Audit retention")
    return {name: rid(name) for name in "abcdefgh"}


def linear(versions: Path, count: int) -> list[str]:
    """*count* revisions in a line; returns their ids oldest first."""
    names = [f"n{i}" for i in range(count)]
    for index, name in enumerate(names):
        write_revision(versions, name, names[index - 1] if index else None, f"Step {index}")
    return [rid(n) for n in names]
