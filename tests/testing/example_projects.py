"""Small Flask projects with hand-written migrations, clean or with one planted fault.

``write_project(folder, fault)`` writes ``app.py`` (models and ``create_app``,
the database URL from ``$REMODEL_EXAMPLE_URL`` or an argument) and
``migrations/`` with five revisions that run on SQLite, PostgreSQL and MariaDB:

1. ``a1`` create ``account`` (name unique, nickname nullable)
2. ``a2`` create ``post`` referencing it, with an index
3. ``a3`` add ``account.bio``
4. ``a4`` fill empty nicknames, then make ``nickname`` NOT NULL
5. ``a5`` drop ``account.bio``: irreversible (downgrade raises)

Each fault changes one thing; ``FAULTS`` says where it is found.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REVISIONS = {n: f"a{n}{'0' * 10}{n}" for n in range(1, 6)}

_HEAD = '''"""{doc}

Revision ID: {rev}
Revises: {down}
"""
import sqlalchemy as sa
from alembic import op

from flask_remodel.errors import IrreversibleMigrationError

revision = "{rev}"
down_revision = {down_repr}
branch_labels = None
depends_on = None

'''

_BODIES = {
    1: ("Create account", '''
def upgrade():
    op.create_table(
        "account",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("nickname", sa.String(50), nullable=True),
        sa.UniqueConstraint("name", name="uq_account_name"),
    )


def downgrade():
    op.drop_table("account")
'''),
    2: ("Create post", '''
def upgrade():
    op.create_table(
        "post",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("account.id"), nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
    )
    op.create_index("ix_post_title", "post", ["title"])


def downgrade():
    op.drop_index("ix_post_title", table_name="post")
    op.drop_table("post")
'''),
    3: ("Add account bio", '''
def upgrade():
    op.add_column("account", sa.Column("bio", sa.Text(), nullable=True))


def downgrade():
    op.drop_column("account", "bio")
'''),
    4: ("Require nicknames", '''
def upgrade():
    op.execute("UPDATE account SET nickname = name WHERE nickname IS NULL")
    op.alter_column("account", "nickname", existing_type=sa.String(50), nullable=False)


def downgrade():
    op.alter_column("account", "nickname", existing_type=sa.String(50), nullable=True)
'''),
    5: ("Drop account bio", '''
def upgrade():
    op.drop_column("account", "bio")


def downgrade():
    raise IrreversibleMigrationError("the bios were deleted")
'''),
}

_APP = '''"""An example project for flask_remodel.testing's tests."""
import os

import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_remodel import Migrate

db = SQLAlchemy()


class Account(db.Model):
    __tablename__ = "account"
    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String(50), nullable=False)
    nickname = sa.Column(sa.String(50), nullable=False)
{extra_column}
    __table_args__ = (sa.UniqueConstraint("name", name="uq_account_name"),)


class Post(db.Model):
    __tablename__ = "post"
    id = sa.Column(sa.Integer, primary_key=True)
    account_id = sa.Column(sa.Integer, sa.ForeignKey("account.id"), nullable=False)
    title = sa.Column(sa.String(100), nullable=False, index=True)
    body = sa.Column(sa.Text, nullable=True)


def create_app(url=None):
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = url or os.environ["REMODEL_EXAMPLE_URL"]
    app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = False
    db.init_app(app)
    Migrate(app, db, directory=os.path.join(os.path.dirname(__file__), "migrations"))
    return app
'''

_ENV = "from flask_remodel.environment import run_migrations\n\nrun_migrations()\n"


@dataclass(frozen=True)
class Fault:
    """Where a planted fault must be found: the check, the revision, the operation."""

    check: str
    revision: str | None
    operation: str
    says: str  # a piece of the detail (the database's message differs per backend)


FAULTS: dict[str, Fault] = {
    "downgrade fails": Fault("up/down/up", REVISIONS[3], "downgrade", "biography"),
    "downgrade leaves a table": Fault(
        "up/down/up", REVISIONS[2], "schema after downgrade", "table post is left behind"
    ),
    "fails on existing rows": Fault("upgrade", REVISIONS[4], "upgrade", ""),
    "downgrade deletes rows": Fault(
        "data kept", REVISIONS[3], "rows kept by downgrade", "rows of account"
    ),
    "drifted models": Fault("models match", REVISIONS[5], "autogenerate", "email"),
    "two heads": Fault("single head", None, "heads", f"{REVISIONS[4]}, {REVISIONS[5]}"),
    "irreversible after a change": Fault(
        "up/down/up", REVISIONS[5], "downgrade", "after changing the database"
    ),
}


def _body(number: int, fault: str | None) -> str:
    doc, body = _BODIES[number]
    if fault == "downgrade fails" and number == 3:
        body = body.replace('"account", "bio")', '"account", "biography")')
    if fault == "downgrade deletes rows" and number == 3:
        body = body.replace(
            '    op.drop_column("account", "bio")\n',
            '    op.execute("DELETE FROM post")\n    op.execute("DELETE FROM account")\n'
            '    op.drop_column("account", "bio")\n',
        )
    if fault == "downgrade leaves a table" and number == 2:
        body = body.replace('    op.drop_table("post")\n', "")
    if fault == "fails on existing rows" and number == 4:
        body = body.replace(
            '    op.execute("UPDATE account SET nickname = name WHERE nickname IS NULL")\n', ""
        )
    if fault == "irreversible after a change" and number == 5:
        # Outside the transaction, so that the change stays on every database.
        body = body.replace(
            "    raise IrreversibleMigrationError",
            "    with op.get_context().autocommit_block():\n"
            '        op.create_table("leftover", sa.Column("id", sa.Integer(), primary_key=True))\n'
            "    raise IrreversibleMigrationError",
        )
    down = None if number == 1 else REVISIONS[number - 1]
    if fault == "two heads" and number == 5:
        down = REVISIONS[3]
    head = _HEAD.format(doc=doc, rev=REVISIONS[number], down=down, down_repr=repr(down))
    return head + body


def write_project(folder: Path, fault: str | None = None) -> Path:
    """Write the project into *folder* (``None``: the clean one); return *folder*."""
    if fault is not None and fault not in FAULTS:
        raise ValueError(f"unknown fault {fault!r}; known: {sorted(FAULTS)}")
    extra = ""
    if fault == "drifted models":
        extra = "    email = sa.Column(sa.String(120), nullable=True)"
    (folder / "app.py").write_text(_APP.format(extra_column=extra))
    versions = folder / "migrations" / "versions"
    versions.mkdir(parents=True)
    (folder / "migrations" / "env.py").write_text(_ENV)
    for number in _BODIES:
        (versions / f"{REVISIONS[number]}_step{number}.py").write_text(_body(number, fault))
    return folder


def load_app(folder: Path, url: str) -> Any:
    """``create_app(url)`` of the project in *folder*, imported under a name of its own."""
    name = f"remodel_example_{abs(hash(str(folder)))}"
    spec = importlib.util.spec_from_file_location(name, folder / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module.create_app(url)
