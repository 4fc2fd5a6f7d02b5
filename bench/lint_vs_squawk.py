"""Flask-Remodel's linter and squawk, side by side on one corpus of PostgreSQL migrations.

The corpus (``bench/lint_corpus/versions``) is one Alembic revision per case,
each marked with the catalogue family it exercises and whether it is safe or
unsafe on PostgreSQL 15 (the facts measured in the project's reference notes).
Flask-Remodel lints the Alembic operations (``flask_remodel.lint``, target
``postgresql:15``); squawk (``squawk-cli`` from PyPI, the ``bench`` dependency
group: ``pip install --group bench``) lints the SQL that
``alembic upgrade PREV:REV --sql`` writes for the same revision.

Scored per case: a tool *catches* an unsafe case when it reports anything on
it, and raises a *false alarm* when it reports anything on a safe case.
Timeout/robustness reminders (squawk's prefer-robust-stmts,
require-lock-timeout, require-statement-timeout; our RM501/RM511/RM512) and
opt-in type hygiene fire on nearly every statement, so they are left out of
both scores and counted separately. The same corpus is then linted for
MariaDB and SQLite, which squawk cannot do.

Run: ``python bench/lint_vs_squawk.py`` (``--verbose`` lists every case).
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from flask_remodel.lint import RuleSelection
from flask_remodel.lint import Target
from flask_remodel.lint import lint_script_directory

CORPUS = Path(__file__).parent / "lint_corpus"
FAMILIES = {1: "locks/rewrites", 2: "breaks running code", 3: "data loss", 4: "data-dependent",
            5: "transactions"}
SQUAWK_NOISE = {"prefer-robust-stmts", "require-lock-timeout", "require-statement-timeout",
                "prefer-bigint-over-int", "prefer-bigint-over-smallint", "prefer-identity",
                "prefer-text-field", "ban-char-field", "prefer-timestamptz",
                "require-table-schema"}
OUR_NOISE = {"RM501", "RM511", "RM512"}


def _squawk() -> str:
    found = shutil.which("squawk") or str(Path(sys.executable).parent / "squawk")
    if not Path(found).exists():
        sys.exit("squawk is not installed: pip install --group bench (squawk-cli)")
    return found


def _revisions(script: ScriptDirectory) -> list[tuple[str, str | None, dict[str, Any]]]:
    out = []
    for s in reversed(list(script.walk_revisions())):
        out.append((s.revision, s.down_revision if isinstance(s.down_revision, str) else None,
                    dict(getattr(s.module, "CASE", {}))))
    return out


def _sql_for(config: Config, down: str | None, rev: str) -> str:
    buffer = io.StringIO()
    config.output_buffer = buffer
    command.upgrade(config, f"{down or 'base'}:{rev}", sql=True)
    return buffer.getvalue()


def squawk_findings(config: Config, revs: list[tuple[str, str | None, dict[str, Any]]]
                    ) -> tuple[dict[str, list[str]], float]:
    binary = _squawk()
    found: dict[str, list[str]] = {}
    elapsed = 0.0
    for rev, down, _ in revs:
        sql = _sql_for(config, down, rev)
        start = time.perf_counter()
        run = subprocess.run(
            [binary, "--reporter", "json", "--pg-version", "15", "--stdin-filepath",
             f"{rev}.sql"], input=sql, capture_output=True, text=True,
        )
        elapsed += time.perf_counter() - start
        data = json.loads(run.stdout or "[]")
        found[rev] = [item["rule_name"] for item in data]
    return found, elapsed


def remodel_findings(script: ScriptDirectory, target: str
                     ) -> tuple[dict[str, list[str]], float]:
    start = time.perf_counter()
    report = lint_script_directory(script, Target.parse(target),
                                   selection=RuleSelection())
    elapsed = time.perf_counter() - start
    found: dict[str, list[str]] = defaultdict(list)
    for f in report.findings:
        found[f.revision].append(f.rule_id)
    return dict(found), elapsed


def _score(cases: list[tuple[str, str | None, dict[str, Any]]], found: dict[str, list[str]],
           noise: set[str]) -> dict[tuple[int, str], list[str]]:
    """(family, 'caught'|'missed'|'false alarm'|'quiet') -> case ids."""
    out: dict[tuple[int, str], list[str]] = defaultdict(list)
    for rev, _, case in cases:
        if case.get("verdict") not in ("safe", "unsafe"):
            continue
        counted = [r for r in found.get(rev, []) if r not in noise]
        if case["verdict"] == "unsafe":
            key = "caught" if counted else "missed"
        else:
            key = "false alarm" if counted else "quiet"
        out[(case["family"], key)].append(rev)
    return out


def _verify(script: ScriptDirectory, cases: list[tuple[str, str | None, dict[str, Any]]],
            url: str, target: str) -> None:
    from flask_remodel.lint.verify import verify

    linted = [rev for rev, _, case in cases if case.get("verdict") in ("safe", "unsafe")]
    report = lint_script_directory(script, Target.parse(target), linted)
    seen = verify(script, url, report)
    ran = [o for o in seen if not o.note]
    differ = [o for o in ran if o.disagreement]
    rewrites = sum(1 for o in ran if o.rewritten)
    print()
    print(f"Verified {target} on the server: {len(ran)} operations compared, {rewrites} of "
          f"them rewrote a table; predictions that disagree: {len(differ)} "
          f"({len(seen) - len(ran)} more not compared: statements the server cannot run "
          "here, or PostgreSQL-only SQL)")
    for o in differ:
        print(f"  {o.revision} {o.what}: {o.disagreement}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="list every case")
    parser.add_argument("--verify", metavar="URL", default=None,
                        help="also check Flask-Remodel's lock/rewrite predictions on this "
                        "PostgreSQL database (a scratch schema, dropped afterwards)")
    parser.add_argument("--verify-mariadb", metavar="URL", default=None,
                        help="the same for the mariadb:10.11 predictions on this server")
    args = parser.parse_args()
    config = Config()
    config.set_main_option("script_location", str(CORPUS))
    config.set_main_option("sqlalchemy.url", "postgresql://")
    script = ScriptDirectory.from_config(config)
    cases = _revisions(script)
    ours, our_time = remodel_findings(script, "postgresql:15")
    theirs, their_time = squawk_findings(config, cases)
    our_score = _score(cases, ours, OUR_NOISE)
    their_score = _score(cases, theirs, SQUAWK_NOISE)

    scored = [c for c in cases if c[2].get("verdict") in ("safe", "unsafe")]
    print(f"Corpus: {len(scored)} PostgreSQL cases in {CORPUS}")
    print()
    header = (f"{'family':<24}{'unsafe':>7}{'caught: remodel':>17}{'squawk':>8}"
              f"{'safe':>6}{'false alarms: remodel':>23}{'squawk':>8}")
    print(header)
    print("-" * len(header))
    totals = defaultdict(int)
    for family, title in FAMILIES.items():
        unsafe = len(our_score[(family, "caught")]) + len(our_score[(family, "missed")])
        safe = len(our_score[(family, "false alarm")]) + len(our_score[(family, "quiet")])
        row = (unsafe, len(our_score[(family, "caught")]), len(their_score[(family, "caught")]),
               safe, len(our_score[(family, "false alarm")]),
               len(their_score[(family, "false alarm")]))
        for key, value in zip(("u", "oc", "tc", "s", "of", "tf"), row, strict=True):
            totals[key] += value
        print(f"{family} {title:<22}{row[0]:>7}{row[1]:>17}{row[2]:>8}{row[3]:>6}{row[4]:>23}"
              f"{row[5]:>8}")
    print("-" * len(header))
    print(f"{'all':<24}{totals['u']:>7}{totals['oc']:>17}{totals['tc']:>8}{totals['s']:>6}"
          f"{totals['of']:>23}{totals['tf']:>8}")
    print()
    missed_by_us = [r for k, v in our_score.items() if k[1] == "missed" for r in v]
    caught_by_squawk_only = [r for k, v in their_score.items() if k[1] == "caught" for r in v
                             if r in missed_by_us]
    print(f"Unsafe cases squawk catches and Flask-Remodel misses: "
          f"{', '.join(caught_by_squawk_only) or 'none'}")
    print("False alarms, Flask-Remodel: "
          + (", ".join(r for k, v in our_score.items() if k[1] == "false alarm" for r in v)
             or "none"))
    print("False alarms, squawk: "
          + ", ".join(f"{r} ({', '.join(sorted(set(theirs[r]) - SQUAWK_NOISE))})"
                      for k, v in their_score.items() if k[1] == "false alarm" for r in v))
    print(f"Left out of the scores (timeout/robustness/hygiene reminders): Flask-Remodel "
          f"{sum(1 for v in ours.values() for r in v if r in OUR_NOISE)}, squawk "
          f"{sum(1 for v in theirs.values() for r in v if r in SQUAWK_NOISE)}")
    print(f"Time: Flask-Remodel {our_time:.2f} s for all revisions in one process; squawk "
          f"{their_time:.2f} s over {len(cases)} runs (SQL rendering by Alembic not counted)")
    print()
    print("Other databases (squawk: PostgreSQL only, no findings possible):")
    for target in ("mariadb:10.11", "sqlite"):
        found, _ = remodel_findings(script, target)
        counted = {r: [x for x in v if x not in OUR_NOISE] for r, v in found.items()}
        flagged = sum(1 for rev, _, c in cases if c.get("verdict") in ("safe", "unsafe")
                      and counted.get(rev))
        rules = sorted({x for v in counted.values() for x in v})
        print(f"  {target:<14} {flagged:>3} of {len(scored)} cases flagged; rules: "
              f"{', '.join(rules)}")
    for url, target in ((args.verify, "postgresql:15"), (args.verify_mariadb, "mariadb:10.11")):
        if url:
            _verify(script, cases, url, target)
    if args.verbose:
        print()
        for rev, _, case in cases:
            if case.get("verdict") not in ("safe", "unsafe"):
                continue
            print(f"{rev:<28} {case['verdict']:<7} remodel={sorted(set(ours.get(rev, [])))} "
                  f"squawk={sorted(set(theirs.get(rev, [])) - SQUAWK_NOISE)}")


if __name__ == "__main__":
    main()
