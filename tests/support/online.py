"""Online-upgrade tests: a migrations folder over a small table with rows, and the SQL sent."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from typing import Any

import sqlalchemy as sa
from click.testing import Result

from support.apps import MadeApp

BASE = """
op.create_table('parent', sa.Column('id', sa.Integer, primary_key=True))
op.create_table('item', sa.Column('id', sa.Integer, primary_key=True),
                sa.Column('parent_id', sa.Integer, nullable=True),
                sa.Column('email', sa.String(50), nullable=True),
                sa.Column('qty', sa.Integer, nullable=True))
op.execute("INSERT INTO parent (id) VALUES (1), (2), (3)")
op.execute("INSERT INTO item (id, parent_id, email, qty) VALUES "
           + ", ".join(f"({i}, {i % 3 + 1}, 'u{i}@x', {i})" for i in range(1, 51)))
"""
"""Revision ``r0``: ``parent`` (3 rows) and ``item`` (50 rows, no NULLs, no orphans)."""


def _indent(code: str) -> str:
    return "".join(f"    {line}\n" for line in code.strip().splitlines()) or "    pass\n"


@dataclass
class OnlineProject:
    made: MadeApp
    sent: list[str] = field(default_factory=list)
    last: str = "base"  # Alembic's name for "no revision yet"

    @property
    def engine(self) -> sa.engine.Engine:
        return self.made.engines()[None]

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def revision(self, rev_id: str, upgrade: str, downgrade: str = "pass") -> None:
        self.made.ok("revision", "-m", rev_id, "--rev-id", rev_id, "--head", self.last)
        path = self.made.migrations_dir / "versions" / f"{rev_id}_{rev_id}.py"
        text = path.read_text()
        text = text.replace("def upgrade():\n    pass\n", "def upgrade():\n" + _indent(upgrade))
        text = text.replace(
            "def downgrade():\n    pass\n", "def downgrade():\n" + _indent(downgrade)
        )
        path.write_text(text)
        self.last = rev_id

    def upgrade(self, *args: str) -> Result:
        """``flask db upgrade``; the SQL it sends lands in :attr:`sent` (cleared first)."""
        self.sent.clear()
        return self.made.cli("upgrade", *args)

    def downgrade(self, *args: str) -> Result:
        self.sent.clear()
        return self.made.cli("downgrade", *args)

    def sent_matching(self, text: str) -> list[str]:
        return [s for s in self.sent if text.lower() in s.lower()]

    def scalar(self, sql: str) -> Any:
        with self.engine.connect() as connection:
            return connection.execute(sa.text(sql)).scalar()

    def inspector(self) -> Any:
        return sa.inspect(self.engine)

    def indexes(self, table: str = "item") -> dict[str, dict[str, Any]]:
        self.engine.dispose()  # a fresh inspector connection sees committed DDL
        return {ix["name"]: ix for ix in sa.inspect(self.engine).get_indexes(table)}

    def column(self, name: str, table: str = "item") -> dict[str, Any]:
        self.engine.dispose()
        found = [c for c in sa.inspect(self.engine).get_columns(table) if c["name"] == name]
        return found[0]


def ok(result: Result) -> Result:
    assert result.exit_code == 0, f"{result.output}\n{result.exception!r}"
    return result


def resolve_stop(project: OnlineProject, revision: str) -> None:
    """Where DDL commits on its own, record that *revision* stopped part-way.

    Run unchanged, a partly-run revision resumes and fails again; ``resolve``
    then records it undone, so the edited file runs from the top. On
    PostgreSQL and SQLite nothing of it was kept.
    """
    if project.dialect in ("postgresql", "sqlite"):
        return
    again = project.upgrade()
    # Unchanged, the revision resumes past what it committed and stops at the same
    # failure; one that cannot resume is refused, pointing to resolve.
    if again.exit_code == 9:
        assert f"flask db resolve {revision}" in again.output
    else:
        assert again.exit_code == 1, again.output
        assert f"Resuming {revision}:" in again.output
    ok(project.made.cli("resolve", revision, "--rolled-back"))
