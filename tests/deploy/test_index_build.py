"""An index build (CONCURRENTLY on PostgreSQL) while another instance waits for the lock.

A waiter blocked inside ``pg_advisory_lock`` would keep a statement open that
``CREATE INDEX CONCURRENTLY`` waits for, and neither would ever finish; the
polling lock holds nothing while it waits.
"""

from __future__ import annotations

import time

from support import rows

from .conftest import Project

_VALUES = "op.execute('INSERT INTO big (v) VALUES ' + ', '.join(f'({i})' for i in range(2000)))"
FILL = {
    "postgresql": "op.execute('INSERT INTO big (v) SELECT g FROM generate_series(1, 50000) g')",
    "sqlite": _VALUES,
    "mariadb": _VALUES,
}

WAIT_FOR_GO = """
import time as t
from pathlib import Path as P
for _ in range(600):
    if P({go!r}).exists():
        break
    t.sleep(0.05)
"""

INDEX = """
if op.get_context().dialect.name == "postgresql":
    with op.get_context().autocommit_block():
        op.create_index("ix_big_v", "big", ["v"], postgresql_concurrently=True)
else:
    op.create_index("ix_big_v", "big", ["v"])
"""


def test_index_build_while_another_instance_waits(project: Project, backend: str) -> None:
    project.add(
        "op.create_table('big', sa.Column('id', sa.Integer, primary_key=True),"
        " sa.Column('v', sa.Integer))\n" + FILL[backend], sleep=0,
    )
    project.made.ok("upgrade")
    # r2 holds the lock and waits for the file "go" before building the index.
    go = project.root / "go"
    project.add(WAIT_FOR_GO.format(go=str(go)) + INDEX, sleep=0)
    first = project.spawn("upgrade")
    deadline = time.monotonic() + 60
    while not [e for e in _ledger_or_empty(project) if e["outcome"] == "running"]:
        assert time.monotonic() < deadline and first.poll() is None, first.communicate()
        time.sleep(0.05)
    second = project.spawn("upgrade", REMODEL_LOCK_WAIT="120")
    assert second.stderr is not None
    seen = []
    for line in second.stderr:  # the second instance is now polling the lock
        seen.append(line)
        if "Waiting for the deploy lock" in line:
            break
    assert "held by pid" in seen[-1], seen
    go.write_text("go")
    out_first, err_first = first.communicate(timeout=120)
    out_second, err_second = second.communicate(timeout=120)
    assert first.returncode == 0, err_first
    assert second.returncode == 0, err_second
    assert project.log() == {"r1": 1, "r2": 1}
    if backend == "postgresql":
        assert rows(
            project.url,
            "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE c.relname = 'ix_big_v'",
        ) == [(True,)]


def _ledger_or_empty(project: Project) -> list[dict[str, object]]:
    try:
        return project.ledger()
    except Exception:
        return []
