"""The migration safety linter: Alembic operations judged per database, without a database.

It does not import Flask, so plain Alembic projects can use it too::

    from flask_remodel.lint import Target, lint_directory
    report = lint_directory("migrations", Target.parse("postgresql:15"))
    for finding in report.findings:
        print(finding.path, finding.line, finding.rule_id, finding.message)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:
    from .engine import RuleSelection as RuleSelection
    from .errors import LintFindingsError as LintFindingsError
    from .errors import LintUsageError as LintUsageError
    from .folders import lint_directory as lint_directory
    from .folders import lint_script_directory as lint_script_directory
    from .model import Finding as Finding
    from .model import LintReport as LintReport
    from .model import Severity as Severity
    from .model import Target as Target
    from .registry import RuleInfo as RuleInfo
    from .registry import all_rules as all_rules

# Hidden from type checkers, which see the imports above; a misspelt name
# then stays an error instead of becoming Any.
if not TYPE_CHECKING:
    __getattr__, __dir__ = lazy_exports(
        __name__,
        {
            ".engine": ("RuleSelection",),
            ".errors": ("LintFindingsError", "LintUsageError"),
            ".folders": ("lint_directory", "lint_script_directory"),
            ".model": ("Finding", "LintReport", "Severity", "Target"),
            ".registry": ("RuleInfo", "all_rules"),
        },
    )

__all__ = [
    "Finding",
    "LintFindingsError",
    "LintReport",
    "LintUsageError",
    "RuleInfo",
    "RuleSelection",
    "Severity",
    "Target",
    "all_rules",
    "lint_directory",
    "lint_script_directory",
]

