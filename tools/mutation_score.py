"""Score a finished mutmut run per package: how many one-line bugs the tests caught.

    .venv/bin/python tools/mutation_score.py [--min 90] [--survivors]

Reads ``mutmut results --all true`` (run from the project root, after ``mutmut run``).
A mutant is *killed* when a test failed or timed out on it; *survived* when every test
passed; *untested* when no selected test reached its code, which counts as survived.
Mutants listed in ``tests/mutation/*.txt`` were triaged by hand (each with its reason
there) and leave the score: *equivalent* ones change no behaviour; *unobservable*
ones change code that runs once per process, before mutmut forks the run for a mutant.
Exits 1 when the whole score is below ``--min``.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections import Counter
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRIAGED = ROOT / "tests" / "mutation"
KILLED = {"killed", "timeout"}
SURVIVED = {"survived", "no tests"}
# flask_remodel.lint.rules.drop_table.x_check__mutmut_3, or ...xǁClassǁmethod__mutmut_3
_NAME = re.compile(r"^(?P<module>[\w.]+?)\.(?:x_|xǁ)")


def equivalent_mutants(folder: Path = TRIAGED) -> set[str]:
    """Names from the triage files: one per line, ``name  # reason``."""
    names = set()
    for path in sorted(folder.glob("*.txt")):
        for line in path.read_text().splitlines():
            name = line.split("#", 1)[0].strip()
            if name:
                names.add(name)
    return names


def read_results(text: str) -> dict[str, str]:
    results = {}
    for line in text.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep and name:
            results[name] = status.strip()
    return results


def package_of(mutant: str) -> str:
    match = _NAME.match(mutant)
    module = match.group("module") if match else mutant
    parts = module.split(".")
    # flask_remodel.lint.rules.x -> lint.rules; flask_remodel.urls -> urls
    return ".".join(parts[1:-1]) or parts[-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--min", type=float, default=90.0, help="lowest passing score, in %%")
    parser.add_argument("--survivors", action="store_true", help="list the surviving mutants")
    args = parser.parse_args(argv)

    mutmut = Path(sys.executable).with_name("mutmut")
    done = subprocess.run(
        [str(mutmut), "results", "--all", "true"], cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode != 0:
        print(f"mutmut results failed: {done.stderr.strip()}", file=sys.stderr)
        return 2
    results = read_results(done.stdout)
    if not results:
        print("no mutmut results: run `make mutation` first", file=sys.stderr)
        return 2
    equivalent = equivalent_mutants()
    stale = sorted(equivalent - results.keys())
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    survivors = []
    for name, status in sorted(results.items()):
        package = package_of(name)
        if name in equivalent:
            counts[package]["equivalent"] += 1
        elif status in KILLED:
            counts[package]["killed"] += 1
        elif status in SURVIVED:
            counts[package]["survived"] += 1
            survivors.append(f"{name}: {status}")
        else:
            counts[package][status] += 1

    print(f"{'package':<22} {'killed':>7} {'survived':>9} {'triaged':>11} {'score':>7}")
    total: Counter[str] = Counter()
    for package, count in sorted(counts.items()):
        total.update(count)
        print(f"{package:<22} {count['killed']:>7} {count['survived']:>9} "
              f"{count['equivalent']:>11} {_score(count):>6.1f}%")
    print(f"{'all':<22} {total['killed']:>7} {total['survived']:>9} "
          f"{total['equivalent']:>11} {_score(total):>6.1f}%")
    other = {k: v for k, v in total.items() if k not in ("killed", "survived", "equivalent")}
    if other:
        print(f"not scored: {dict(other)}")
    if stale:
        print(f"{len(stale)} names in {TRIAGED.relative_to(ROOT)}/ match no mutant now: "
              "remove them (the code moved)")
    if args.survivors:
        print("\n".join(survivors))
    return 0 if _score(total) >= args.min else 1


def _score(count: Counter[str]) -> float:
    judged = count["killed"] + count["survived"]
    return 100.0 * count["killed"] / judged if judged else 100.0


if __name__ == "__main__":
    sys.exit(main())
