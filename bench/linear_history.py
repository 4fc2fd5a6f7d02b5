"""Write a linear Alembic history of N revisions for the benchmarks.

    python bench/linear_history.py OUT N [--seed S] [--url URL]

OUT receives ``alembic.ini``, ``migrations/env.py``, ``migrations/script.py.mako``
and ``migrations/versions/``. The revisions have the shape of what
``alembic revision --autogenerate`` writes for a growing app, so that the
timings measure realistic files (about 35 lines each):

* the first revision and every eighth one create a table with a primary key,
  a named unique constraint and a server default; from the second table on it
  also references the table before it, with an index on the reference
  (its downgrade drops the table alone, which drops the index everywhere);
* every other revision adds two nullable columns to an existing table, one of
  a rotating set of types and a VARCHAR; every third also indexes the first.

Everything runs unchanged on SQLite, PostgreSQL and MySQL/MariaDB. Revision ids
come from a seeded generator, so a size always gives the same files.

The env.py connects to ``-x url=...`` if given, else to the ini's
``sqlalchemy.url``; it uses a connection or engine handed to it in
``config.attributes["connection"]`` (what pytest-alembic does). Other ``-x``
keys: ``models=PATH`` (a file whose ``metadata`` is the autogenerate target),
``per_migration=1`` (one transaction per revision), ``csd=1`` (compare server
defaults), ``batch=1`` (batch mode).

Lives in the checkout so that ``make bench`` needs nothing beside it.
"""

from __future__ import annotations

import argparse
import random
import sys
from dataclasses import dataclass
from pathlib import Path

# Cycled through by the add-column revisions; each one is portable to the three databases.
ROTATING_TYPES = (
    "sa.String(length=120)",
    "sa.Integer()",
    "sa.Boolean()",
    "sa.DateTime(timezone=True)",
    "sa.Numeric(precision=12, scale=2)",
    "sa.Text()",
    "sa.BigInteger()",
    "sa.Date()",
    "sa.Float()",
    "sa.String(length=32)",
)
TABLE_EVERY = 8
INDEX_EVERY = 3

INI_TEMPLATE = """\
[alembic]
script_location = %(here)s/migrations
prepend_sys_path = .
path_separator = os
sqlalchemy.url = {url}

[loggers]
keys = root

[handlers]
keys = stderr

[formatters]
keys = plain

[logger_root]
level = WARNING
handlers = stderr

[handler_stderr]
class = StreamHandler
args = (sys.stderr,)
formatter = plain

[formatter_plain]
format = %(levelname)s %(name)s: %(message)s
"""

ENV_PY = '''\
"""Environment of a generated benchmark history (bench/linear_history.py)."""
import importlib.util
from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine, pool
from sqlalchemy.engine import Connection, Engine

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name)

x_options = context.get_x_argument(as_dictionary=True)
database_url = x_options.get("url") or config.get_main_option("sqlalchemy.url")


def models_metadata():
    path = x_options.get("models")
    if not path:
        return None
    spec = importlib.util.spec_from_file_location("bench_models", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.metadata


OPTIONS = {
    "target_metadata": models_metadata(),
    "transaction_per_migration": x_options.get("per_migration") == "1",
    "compare_server_default": x_options.get("csd") == "1",
    "render_as_batch": x_options.get("batch") == "1",
}


def migrate_on(connection):
    context.configure(connection=connection, **OPTIONS)
    with context.begin_transaction():
        context.run_migrations()


def migrate_online():
    given = config.attributes.get("connection")
    if isinstance(given, Connection):
        migrate_on(given)
        return
    engine = given if isinstance(given, Engine) else create_engine(
        database_url, poolclass=pool.NullPool
    )
    with engine.connect() as connection:
        migrate_on(connection)


if context.is_offline_mode():
    context.configure(url=database_url, literal_binds=True, **OPTIONS)
    with context.begin_transaction():
        context.run_migrations()
else:
    migrate_online()
'''

SCRIPT_MAKO = '''\
"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}

"""
from alembic import op
import sqlalchemy as sa
${imports if imports else ""}

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade():
    ${upgrades if upgrades else "pass"}


def downgrade():
    ${downgrades if downgrades else "pass"}
'''

REVISION_TEMPLATE = '''\
"""{message}

Revision ID: {revision}
Revises: {revises}
Create Date: 2025-01-01 {clock}.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = {revision!r}
down_revision: Union[str, Sequence[str], None] = {down_revision!r}
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # ### commands auto generated by Alembic - please adjust! ###
{upgrade}    # ### end Alembic commands ###


def downgrade() -> None:
    """Downgrade schema."""
    # ### commands auto generated by Alembic - please adjust! ###
{downgrade}    # ### end Alembic commands ###
'''


@dataclass(frozen=True)
class Step:
    """One revision's message and the bodies of its two functions."""

    message: str
    upgrade: list[str]
    downgrade: list[str]


def table_step(number: int) -> Step:
    """Create table ``t_<number>``, referencing the one before it when there is one."""
    table = f"t_{number}"
    columns = [
        "sa.Column('id', sa.Integer(), nullable=False)",
        "sa.Column('name', sa.String(length=80), nullable=False)",
        "sa.Column('description', sa.Text(), nullable=True)",
        "sa.Column('is_active', sa.Boolean(), nullable=False)",
        "sa.Column('created_at', sa.DateTime(), "
        "server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False)",
    ]
    if number:
        parent = f"t_{number - 1}"
        columns += [
            "sa.Column('parent_id', sa.Integer(), nullable=True)",
            f"sa.ForeignKeyConstraint(['parent_id'], ['{parent}.id'], "
            f"name=op.f('fk_{table}_parent_id_{parent}'), ondelete='CASCADE')",
        ]
    columns += [
        f"sa.PrimaryKeyConstraint('id', name=op.f('pk_{table}'))",
        f"sa.UniqueConstraint('name', name=op.f('uq_{table}_name'))",
    ]
    upgrade = [f"op.create_table('{table}',", *[f"{c}," for c in columns[:-1]], columns[-1], ")"]
    downgrade = [f"op.drop_table('{table}')"]
    if number:
        index = f"ix_{table}_parent_id"
        upgrade.append(f"op.create_index(op.f('{index}'), '{table}', ['parent_id'], unique=False)")
        # No drop_index before drop_table: MariaDB refuses to drop an index its foreign key
        # needs, and dropping the table drops the index on every database.
    return Step(f"create table {table}", upgrade, downgrade)


def columns_step(number: int, table_number: int) -> Step:
    """Add two nullable columns to ``t_<table_number>``, indexing the first now and then."""
    table, column, note = f"t_{table_number}", f"c_{number}", f"c_{number}_note"
    column_type = ROTATING_TYPES[number % len(ROTATING_TYPES)]
    upgrade = [
        f"op.add_column('{table}', sa.Column('{column}', {column_type}, nullable=True))",
        f"op.add_column('{table}', sa.Column('{note}', sa.String(length=255), nullable=True))",
    ]
    downgrade = [
        f"op.drop_column('{table}', '{note}')",
        f"op.drop_column('{table}', '{column}')",
    ]
    if number % INDEX_EVERY == 0:
        index = f"ix_{table}_{column}"
        upgrade.append(f"op.create_index(op.f('{index}'), '{table}', ['{column}'], unique=False)")
        downgrade.insert(0, f"op.drop_index(op.f('{index}'), table_name='{table}')")
    return Step(f"add columns {column} to {table}", upgrade, downgrade)


def body(lines: list[str]) -> str:
    return "".join(f"    {line}\n" for line in lines)


def revision_text(step: Step, revision: str, down_revision: str | None, number: int) -> str:
    clock = f"{number // 3600 % 24:02d}:{number // 60 % 60:02d}:{number % 60:02d}"
    return REVISION_TEMPLATE.format(
        message=step.message,
        revision=revision,
        revises=down_revision or "",
        down_revision=down_revision,
        clock=clock,
        upgrade=body(step.upgrade),
        downgrade=body(step.downgrade),
    )


def write_history(out: Path, count: int, seed: int = 1, url: str | None = None) -> str | None:
    """Write the project files and *count* revisions under *out*; return the head id."""
    versions = out / "migrations" / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    (out / "alembic.ini").write_text(INI_TEMPLATE.format(url=url or "sqlite:///%(here)s/bench.db"))
    (out / "migrations" / "env.py").write_text(ENV_PY)
    (out / "migrations" / "script.py.mako").write_text(SCRIPT_MAKO)
    ids = random.Random(seed)
    tables = 0
    head: str | None = None
    for number in range(1, count + 1):
        if number == 1 or number % TABLE_EVERY == 0:
            step = table_step(tables)
            tables += 1
        else:
            step = columns_step(number, ids.randrange(tables))
        revision = f"{ids.getrandbits(48):012x}"
        text = revision_text(step, revision, head, number)
        (versions / f"{revision}_{step.message.replace(' ', '_')}.py").write_text(text)
        head = revision
    return head


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("count", type=int, help="number of revisions (0 allowed)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--url", default=None, help="sqlalchemy.url for alembic.ini")
    args = parser.parse_args(argv)
    if args.count < 0:
        parser.error("count must be 0 or more")
    head = write_history(args.out, args.count, args.seed, args.url)
    print(f"{args.count} revisions in {args.out}, head {head}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
