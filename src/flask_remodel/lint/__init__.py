"""The migration safety linter: Alembic operations judged per database, without a database.

It does not import Flask, so plain Alembic projects can use it too::

    from flask_remodel.lint import Target, lint_directory
    report = lint_directory("migrations", Target.parse("postgresql:15"))
    for finding in report.findings:
        print(finding.path, finding.line, finding.rule_id, finding.message)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import _lazy

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
    from .runner import Runner as Runner

# The imports above are the package's one list of exports: type checkers read
# them, and at run time each is imported on first use. Hidden from type
# checkers, so that a misspelt name stays an error instead of becoming Any.
if not TYPE_CHECKING:
    __getattr__, __dir__, __all__ = _lazy.lazy_exports(__name__)

