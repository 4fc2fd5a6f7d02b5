"""Errors of the SQLite safety layer (part of the RemodelError hierarchy)."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import MigrationFailedError
from ..errors import RemodelError

Violation = tuple[str, int | None, str, int]
"""One row of ``PRAGMA foreign_key_check``: table, rowid, parent table, key index."""


class ForeignKeyViolationError(MigrationFailedError):
    """A migration left rows pointing at rows that no longer exist; it was rolled back."""

    def __init__(self, violations: Sequence[Violation]) -> None:
        self.violations = list(violations)
        pairs = sorted({f"{table} -> {parent}" for table, _, parent, _ in self.violations})
        super().__init__(
            None,
            f"it would leave {len(self.violations)} row(s) referring to missing rows "
            f"({', '.join(pairs)}); the revision must also delete or update those rows",
            kept=False,
        )


class SQLiteRebuildError(RemodelError):
    """A table rebuild that SQLite needs cannot be done safely."""
