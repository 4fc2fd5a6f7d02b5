"""Generate ``docs/rules/`` from the rule registry.

Run ``python -m flask_remodel.lint.docs`` from the project root (or pass the
output folder) after changing a rule; a test fails while the files are stale.
Each rule's page is its module docstring plus the registry's facts.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

from ..dialects import dialect_for
from .registry import FAMILIES
from .registry import RuleInfo
from .registry import all_rules


def page_name(info: RuleInfo) -> str:
    return f"{info.id}-{info.slug}.md"


def _dialects(info: RuleInfo) -> str:
    return ", ".join(dialect_for(d).label for d in info.dialects)


def _default(info: RuleInfo) -> str:
    return "yes" if info.default_enabled else f"no (--enable {info.id})"


def _page(info: RuleInfo) -> str:
    doc = textwrap.dedent(info.doc).strip()
    summary, _, body = doc.partition("\n")
    lines = [
        f"# {info.id} `{info.slug}`",
        "",
        f"{summary}",
        "",
        "| | |",
        "| --- | --- |",
        f"| severity | {info.severity.label} |",
        f"| databases | {_dialects(info)} |",
        f"| enabled by default | {_default(info)} |",
        f"| family | {info.family}: {FAMILIES[info.family]} |",
        f"| since | {info.since} |",
        "",
        body.strip().replace("::\n", ":\n"),
        "",
        f"Acknowledge a reviewed case with `# remodel: allow[{info.id}] reason` on the "
        "operation's line.",
        "",
    ]
    return "\n".join(lines)


def _index(rules: list[RuleInfo]) -> str:
    lines = [
        "# Lint rules",
        "",
        "Generated from the rule registry by `python -m flask_remodel.lint.docs`; do not "
        "edit by hand. See [the linter guide](../linting.md) for how `flask db lint` works.",
        "",
    ]
    for family, title in FAMILIES.items():
        members = [r for r in rules if r.family == family]
        if not members:
            continue
        lines += [f"## {family}. {title}", "", "| id | name | severity | databases | default |",
                  "| --- | --- | --- | --- | --- |"]
        for r in members:
            lines.append(
                f"| [{r.id}]({page_name(r)}) | `{r.slug}` | {r.severity.label} | "
                f"{_dialects(r)} | {'on' if r.default_enabled else 'opt-in'} |"
            )
        lines.append("")
    return "\n".join(lines)


def render() -> dict[str, str]:
    """File name -> content for every file of ``docs/rules/``."""
    rules = all_rules()
    files = {page_name(r): _page(r) for r in rules}
    files["index.md"] = _index(rules)
    return files


def stale(folder: Path) -> list[str]:
    """Files of *folder* that differ from :func:`render` (missing, changed or left over)."""
    wanted = render()
    found = {p.name for p in folder.glob("*.md")} if folder.is_dir() else set()
    out = [n for n, text in wanted.items()
           if not (folder / n).is_file() or (folder / n).read_text(encoding="utf-8") != text]
    return sorted(out + [n for n in found - set(wanted)])


def write(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    wanted = render()
    for old in folder.glob("*.md"):
        if old.name not in wanted:
            old.unlink()
    for name, text in wanted.items():
        (folder / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover - a developer tool
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/rules")
    write(target)
    print(f"Wrote {len(render())} files to {target}")
