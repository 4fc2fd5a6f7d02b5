"""What the linter found in each revision file, kept for ``upgrade``'s lint gate.

``migrate`` and ``flask db lint`` run every revision they lint offline; the
findings they get are written here, keyed on the revision file's checksum,
the target and the rule selection. ``upgrade`` then takes a pending
revision's findings from here instead of running its ``upgrade()`` an extra
time (a revision's code may print, write files or call services). An edited
file has another checksum, so its old findings are never used.

The file lives in ``<migrations>/.remodel-cache/`` beside the revision index
and, like it, is only an optimisation: one that cannot be read or written is
ignored (the gate then lints the operations as the real run reaches them).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..deploy.scripts import checksum
from ..revision_index.cache import CACHE_DIR
from ..revision_index.cache import versions_key
from .model import Finding
from .model import LintReport
from .model import Severity
from .model import Target

FILE_NAME = "lint-findings.json"
# Old entries go first once there are more: a file per folder, not a history.
_KEEP = 2000


@dataclasses.dataclass(frozen=True)
class Recorded:
    """One revision's findings, as a lint run left them."""

    findings: tuple[Finding, ...]
    acknowledged: tuple[Finding, ...]


def _key(path: str, target: Target, rules: tuple[str, ...]) -> str | None:
    try:
        return f"{checksum(path)}|{target}|{','.join(rules)}"
    except OSError:
        return None


def _to_json(finding: Finding) -> dict[str, Any]:
    raw = dataclasses.asdict(finding)
    raw["severity"] = int(finding.severity)
    return raw


def _from_json(raw: dict[str, Any]) -> Finding:
    return Finding(**{**raw, "severity": Severity(raw["severity"])})


class LintRecords:
    """The recorded findings of the revision files of one migrations folder.

    *rules* names the rules that ran (their ids, in order): findings recorded
    under another selection are not this selection's.
    """

    def __init__(self, folder: str | os.PathLike[str], rules: Iterable[str]) -> None:
        self.path = Path(folder) / CACHE_DIR / FILE_NAME
        self.rules = tuple(sorted(rules))

    def _load(self) -> dict[str, Any]:
        try:
            with open(self.path, encoding="utf-8") as f:
                data = json.load(f)
            if data.get("key") != versions_key():
                return {}
            entries = data["entries"]
            return entries if isinstance(entries, dict) else {}
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return {}

    def _save(self, entries: dict[str, Any]) -> None:
        if len(entries) > _KEEP:
            entries = dict(list(entries.items())[-_KEEP:])
        temporary = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(exist_ok=True)
            ignore = self.path.parent / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# Written by Flask-Remodel: a cache, never commit it.\n*\n")
            with open(temporary, "w", encoding="utf-8") as f:
                json.dump({"key": versions_key(), "entries": entries}, f)
            os.replace(temporary, self.path)
        except OSError:  # a read-only folder (a container): the gate lints as the run goes
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)

    def save(self, report: LintReport, paths: dict[str, str]) -> None:
        """Record the findings of each revision *report* linted (*paths*: revision -> file)."""
        entries = self._load()
        for revision in report.revisions:
            key = _key(paths[revision], report.target, self.rules) if revision in paths else None
            if key is None:
                continue
            entries.pop(key, None)  # re-added last: the newest entries are kept
            entries[key] = {
                "findings": [_to_json(f) for f in report.findings if f.revision == revision],
                "acknowledged": [
                    _to_json(f) for f in report.acknowledged if f.revision == revision
                ],
            }
        self._save(entries)

    def find(self, paths: dict[str, str], target: Target) -> dict[str, Recorded]:
        """The recorded findings of those of *paths* (revision -> file) whose file is unchanged."""
        entries = self._load()
        found: dict[str, Recorded] = {}
        for revision, path in paths.items():
            key = _key(path, target, self.rules)
            entry = entries.get(key) if key is not None else None
            if entry is None:
                continue
            try:
                found[revision] = Recorded(
                    tuple(_from_json(raw) for raw in entry["findings"]),
                    tuple(_from_json(raw) for raw in entry["acknowledged"]),
                )
            except (KeyError, TypeError, ValueError):
                continue  # written by something else: lint this one as it runs
        return found
