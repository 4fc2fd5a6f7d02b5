"""The server ends the migration's connection while a statement runs.

An administrator's ``KILL`` (MariaDB) or ``pg_terminate_backend`` (PostgreSQL),
from another connection, while the upgrade runs a DDL statement (an index
build) or a data change (the data migration, an ``INSERT ... SELECT``). To be
sure the kill lands while the statement is in the server, another session
holds ``item`` (``LOCK TABLES`` / ``LOCK TABLE``) so the statement waits for
it, the common case of a DDL an administrator kills. The process sees its
connection die; the checks and the documented recovery are those of the
random kills.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from support import rows

from .trial import FaultProject
from .trial import check_recovered
from .trial import check_truthful
from .trial import recover

# The main leg only (all three databases, newest Python): see the Makefile.
pytestmark = pytest.mark.faults

ROWS = 2_000

STATEMENTS = {
    "mid-DDL": ["CREATE INDEX ix_item_name"],
    "mid-DML": ["UPDATE item SET price", "INSERT INTO item_note"],
    "mid-backfill": ["UPDATE item SET label#3"],  # its third batch: two are committed
}
TRIALS = [(kind, statement) for kind, found in STATEMENTS.items() for statement in found]


@pytest.mark.backends("postgresql", "mariadb")
@pytest.mark.parametrize(("kind", "statement"), TRIALS, ids=[s for _, s in TRIALS])
def test_the_server_ends_the_migration_connection(
    fault_project: Callable[..., FaultProject], backend: str, kind: str, statement: str,
    record_property: Callable[[str, object], None],
) -> None:
    project = fault_project(rows=ROWS)
    row = {"what": f"server kills connection {kind}", "database": backend, "fault": statement}
    record_property("fault_trial", row)
    context = f"{backend}: the server ended the connection during {statement}"

    before = project.answers()
    result = project.upgrade(REMODEL_FAULT_SERVER_KILL=statement)
    assert result.returncode == 1, f"{context}: exit {result.returncode}\n{result.output}"
    check_truthful(project, f"{context} (its output: {result.output[-500:]!r})")
    assert project.answers() == before, f"{context}: heads/history changed"
    # The error recorded is the cause, not the failed clean-up after it.
    assert "Can't reconnect until invalid transaction" not in result.output, result.output
    [(error,)] = rows(
        project.url,
        "SELECT error FROM remodel_ledger WHERE direction = 'upgrade'"
        " AND outcome NOT IN ('applied', 'adopted')",
    )
    # A backfill says so itself: how far it got, and that the next upgrade carries on.
    cause = "the backfill of 'item' stopped after" if kind == "mid-backfill" else (
        f"connection lost during: {statement.partition('#')[0]}"
    )
    assert str(error).startswith(cause), f"{context}: recorded {error!r}"
    row["status"], row["recovery"] = recover(project)
    if kind == "mid-backfill":  # resumable: the documented recovery is a plain upgrade
        assert row["recovery"] == "upgrade", row
    check_recovered(project, context)
