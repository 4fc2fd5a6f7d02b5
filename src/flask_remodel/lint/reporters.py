"""Findings as text, JSON, GitHub workflow commands or SARIF 2.1.0: formatted here only.

:func:`headline` is a finding in one line, for the text report and for
``upgrade --plan`` alike; the report formats are in :data:`FORMATS`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any
from typing import Literal

from .model import Finding
from .model import LintReport
from .model import Severity
from .registry import all_rules


def _relative(path: str) -> str:
    """*path* relative to the working directory when it is under it (as CI annotations want)."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path
    return path if relative.startswith("..") else relative


_HEADLINES = {
    "report": "{where}: {severity} {rule} [{slug}] {message}",
    "plan": "{rule} {severity}: {message} ({file}:{line})",
}


def headline(finding: Finding, style: Literal["report", "plan"] = "report") -> str:
    """*finding* in one line: ``report`` leads with where it is (``flask db lint``),
    ``plan`` with its rule (beside the revision in ``upgrade --plan``)."""
    return _HEADLINES[style].format(
        where=f"{_relative(finding.path)}:{finding.line}",
        file=os.path.basename(finding.path),
        line=finding.line,
        severity=finding.severity.label,
        rule=finding.rule_id,
        slug=finding.slug,
        message=finding.message,
    )


def _details(f: Finding) -> list[str]:
    """The indented lines under a finding's headline: statement, lock, what to write instead."""
    lines = []
    if f.statement:
        lines.append(f"    statement: {' '.join(f.statement.split())}")
    if f.lock:
        rewrite = (
            "" if f.rewrites is None else ("; rewrites the table" if f.rewrites else "; no rewrite")
        )
        lines.append(f"    lock: {f.lock}{rewrite}")
    if f.fix:
        lines.append("    instead:")
        lines.extend(f"        {line}" for line in f.fix.splitlines())
    return lines


def _message_and_fix(f: Finding) -> str:
    """The message, and the fix after it, for formats with one text field."""
    return f.message + (f"\nInstead:\n{f.fix}" if f.fix else "")


def text(report: LintReport) -> str:
    lines: list[str] = []
    for f in report.findings:
        lines.append(headline(f))
        lines.extend(_details(f))
    counts = {
        s: sum(1 for f in report.findings if f.severity.label == s)
        for s in ("error", "warning", "info")
    }
    summary = ", ".join(f"{n} {s}(s)" for s, n in counts.items() if n) or "no findings"
    ack = f", {len(report.acknowledged)} acknowledged" if report.acknowledged else ""
    lines.append(
        f"Checked {len(report.revisions)} revision(s) for {report.target}: {summary}{ack}."
    )
    if report.verification is not None:
        lines.extend(_verification(report.verification))
    return "\n".join(lines) + "\n"


def _verification(observations: list[Any]) -> list[str]:
    lines = []
    differ = [o for o in observations if o.disagreement]
    for o in differ:
        lines.append(f"{_relative(o.path)}:{o.line}: verify {o.what}: {o.disagreement}")
    for o in observations:
        if o.note:
            lines.append(f"{_relative(o.path)}:{o.line}: verify {o.what}: {o.note}")
    lines.append(
        f"Verified {len(observations)} operation(s) on the server: "
        f"{len(differ)} disagree with the prediction."
    )
    return lines


def as_json(report: LintReport) -> str:
    return (
        json.dumps(
            {
                "target": str(report.target),
                "revisions": report.revisions,
                "findings": [f.as_dict() for f in report.findings],
                "acknowledged": [f.as_dict() for f in report.acknowledged],
                "verify": None if report.verification is None else [
                    {
                        "revision": o.revision, "path": o.path, "line": o.line,
                        "operation": o.what, "predicted_lock": o.predicted_lock,
                        "predicted_rewrite": o.predicted_rewrite, "locks": o.locks,
                        "rewritten": o.rewritten, "note": o.note,
                        "disagreement": o.disagreement,
                    }
                    for o in report.verification
                ],
            },
            indent=2,
        )
        + "\n"
    )


def _escape(value: str, property: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


_GITHUB_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def github(report: LintReport) -> str:
    """GitHub Actions workflow commands: one annotation per finding."""
    out = []
    for f in report.findings:
        title = _escape(f"{f.rule_id} {f.slug}", property=True)
        out.append(
            f"::{_GITHUB_LEVEL[f.severity]} file={_escape(_relative(f.path), True)},"
            f"line={f.line},title={title}::{_escape(_message_and_fix(f))}"
        )
    return "\n".join(out) + ("\n" if out else "")


def _sarif_result(f: Finding) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": f.rule_id,
        "level": _SARIF_LEVEL[f.severity],
        "message": {"text": _message_and_fix(f)},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": _relative(f.path).replace(os.sep, "/")},
                    "region": {"startLine": max(f.line, 1)},
                }
            }
        ],
        "properties": {
            "revision": f.revision,
            "lock": f.lock,
            "rewritesTable": f.rewrites,
            "statement": f.statement,
        },
    }
    return result


def sarif(report: LintReport) -> str:
    rules = [
        {
            "id": info.id,
            "name": info.slug,
            "shortDescription": {"text": info.summary},
            "fullDescription": {"text": info.doc.strip()},
            "defaultConfiguration": {"level": _SARIF_LEVEL[info.severity]},
        }
        for info in all_rules()
    ]
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "flask-remodel-lint", "rules": rules}},
                "results": [_sarif_result(f) for f in report.findings],
            }
        ],
    }
    return json.dumps(document, indent=2) + "\n"


FORMATS: dict[str, Callable[[LintReport], str]] = {
    "text": text,
    "json": as_json,
    "github": github,
    "sarif": sarif,
}
