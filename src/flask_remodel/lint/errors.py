"""Errors of the linter (both :class:`~flask_remodel.errors.RemodelError` subclasses)."""

from __future__ import annotations

from ..errors import RemodelError


class LintUsageError(RemodelError):
    """Bad input to the linter: a target, a range, a rule name. Exit 2, as click's usage errors."""

    exit_code = 2


class LintFindingsError(RemodelError):
    """Findings at or above the chosen severity (``--fail-on``, ``REMODEL_LINT="error"``)."""

    def __init__(self, count: int, severity: str, what: str = "lint") -> None:
        super().__init__(
            f"{count} finding(s) at or above '{severity}' stopped the {what}. Change the "
            "migration as the findings suggest, or acknowledge one on its line with "
            "'# remodel: allow[RULE-ID] reason'."
        )
        self.count = count
        self.severity = severity
