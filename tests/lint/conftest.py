"""Helpers for the linter's tests: revision files written to a temporary folder."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from flask_remodel.lint import LintReport
from flask_remodel.lint import RuleSelection
from flask_remodel.lint import Target
from flask_remodel.lint import lint_directory

# The schema every rule case starts from (revision "r0", not linted).
BASE = """
op.create_table(
    "account",
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("email", sa.String(50)),
    sa.Column("name", sa.String(50), nullable=False),
    sa.Column("status", sa.Enum("ok", "meh", "sad", name="status")),
    sa.CheckConstraint("length(name) > 0"),
)
op.create_table(
    "orders",
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("account_id", sa.Integer(), sa.ForeignKey("account.id", ondelete="CASCADE")),
    sa.Column("ref", sa.String(20)),
    sa.Column("total", sa.Numeric(10, 2)),
    sa.Column("note", sa.Text()),
)
op.create_index("ix_account_email", "account", ["email"])
"""

HEADER = """from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = {rev!r}
down_revision = {down!r}


def upgrade():
{body}


def downgrade():
    op.drop_table("x")
"""


def write_revisions(folder: Path, *bodies: str) -> list[str]:
    """Write one revision per body (r0, r1, ...), each after the previous one."""
    versions = folder / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    ids = []
    for number, body in enumerate(bodies):
        rev = f"r{number}"
        down = f"r{number - 1}" if number else None
        code = textwrap.indent(textwrap.dedent(body).strip() or "pass", "    ")
        (versions / f"{rev}_step.py").write_text(HEADER.format(rev=rev, down=down, body=code))
        ids.append(rev)
    return ids


LintCode = Callable[..., LintReport]

QUIET = ("RM511", "RM512")
"""Rules that fire on nearly every case (no timeouts set); off unless under test."""


@pytest.fixture
def lint_code(tmp_path: Path) -> LintCode:
    """``lint_code(target, body, base=BASE, enable=())``: lint *body* run after *base*."""
    counter = 0

    def run(
        target: str, body: str, base: str = BASE, enable: tuple[str, ...] = (),
        disable: tuple[str, ...] = QUIET,
    ) -> LintReport:
        nonlocal counter
        counter += 1
        folder = tmp_path / f"m{counter}"
        ids = write_revisions(folder, base, body)
        return lint_directory(folder, Target.parse(target), ids[-1],
                              selection=RuleSelection(enable, tuple(set(disable) - set(enable))))

    return run
