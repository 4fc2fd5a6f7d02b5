"""Random revision histories written as files, in every form the index must read.

``write_history`` draws a graph (several roots, branches, merges, ``depends_on``
and branch labels) and writes each revision in one of several file styles:
the ones Alembic's templates produce, literal variations the fast path reads,
and odd files it must leave to an import (computed ids, conditional or repeated
assignments, ``globals()``). Every file records its import in a marker file,
so a test can tell which files were run.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

#: Styles whose header the index must read without importing the file.
STATIC_STYLES = ("template", "plain", "labelled", "latin1", "no_doc")
#: Styles the index must leave to an import. "multidb" (``globals()`` in a
#: function body) is read statically in real files, but here the import marker
#: is a call made at import time, which could run that body.
IMPORTED_STYLES = (
    "computed", "conditional", "repeated", "globals_trick", "star_import", "multidb"
)


@dataclass
class Revision:
    id: str
    down: tuple[str, ...]
    depends: tuple[str, ...] = ()
    label: str | None = None
    style: str = "template"
    subdir: str = ""


@dataclass
class History:
    revisions: list[Revision] = field(default_factory=list)
    marker: Path = Path()

    def imported(self) -> list[str]:
        """The ids of the revision files imported so far."""
        if not self.marker.exists():
            return []
        return self.marker.read_text().split()

    @property
    def labels(self) -> list[str]:
        return [r.label for r in self.revisions if r.label]


def draw(
    n: int,
    seed: int,
    odd: bool = True,
    subdirs: bool = False,
    upgradable: bool = True,
    plain: bool = False,
) -> list[Revision]:
    """*n* revisions; with ``upgradable=False`` dependencies may also point at
    ancestors and heads, shapes whose graph Alembic loads but cannot upgrade through;
    with ``plain=True`` no revision has ``depends_on`` or a branch label."""
    rng = random.Random(seed)
    revisions: list[Revision] = []
    heads: list[str] = []
    ancestors: dict[str, set[str]] = {}
    for i in range(n):
        rid = f"{rng.getrandbits(40):010x}"
        roll = rng.random()
        if not heads or roll < 0.04:
            down: tuple[str, ...] = ()
        elif roll < 0.16 and len(heads) > 1:
            down = tuple(rng.sample(heads, 2))  # a merge
        elif roll < 0.28:
            down = (rng.choice(revisions).id,)  # a branch from anywhere
        else:
            down = (rng.choice(heads),)
        lineage = set().union(*(ancestors[d] | {d} for d in down))
        depends: tuple[str, ...] = ()
        # A dependency on a revision of another branch that is not a head
        # (Alembic itself cannot upgrade through some other shapes).
        others = [
            r.id for r in revisions
            if not upgradable or (r.id not in lineage and r.id not in heads)
        ]
        if others and rng.random() < 0.15 and not plain:
            depends = (rng.choice(others),)
        ancestors[rid] = lineage | set(depends).union(*(ancestors[d] for d in depends))
        label = f"lbl{i}" if (not down or rng.random() < 0.05) and rng.random() < 0.5 else None
        if plain:
            label = None
        styles = STATIC_STYLES + (IMPORTED_STYLES if odd else ())
        style = rng.choice(styles)
        subdir = rng.choice(["", "", "older", "older/deep"]) if subdirs else ""
        revisions.append(Revision(rid, down, depends, label, style, subdir))
        heads = [h for h in heads if h not in down] + [rid]
    return revisions


def _ids(ids: tuple[str, ...], *, as_list: bool = False) -> str:
    if not ids:
        return "None"
    if len(ids) == 1 and not as_list:
        return repr(ids[0])
    return repr(list(ids)) if as_list else repr(tuple(ids))


def render(rev: Revision, marker: Path) -> str:
    """The file text of *rev* in its style."""
    record = f"with open({str(marker)!r}, 'a') as _marker:\n    _marker.write({rev.id!r} + ' ')\n"
    body = "\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n"
    down, depends = _ids(rev.down), _ids(rev.depends, as_list=True)
    label = repr(rev.label) if rev.label else "None"
    doc = f'"""Revision {rev.id}: step\n\nRevision ID: {rev.id}\nRevises: {rev.down}\n"""\n'
    if rev.style == "template":
        return (
            f"{doc}from typing import Sequence, Union\n\n{record}\n"
            f"revision: str = {rev.id!r}\n"
            f"down_revision: Union[str, Sequence[str], None] = {down}\n"
            f"branch_labels: Union[str, Sequence[str], None] = {label}\n"
            f"depends_on: Union[str, Sequence[str], None] = {depends}\n{body}"
        )
    if rev.style == "labelled":  # a bare string label, a list of parents
        labels = repr((rev.label,)) if rev.label else "()"
        return (
            f"'''Labelled {rev.id}.'''\n{record}revision = \"{rev.id}\"\n"
            f"down_revision = {_ids(rev.down, as_list=True)}\nbranch_labels = {labels}\n"
            f"depends_on = {depends}\n{body}"
        )
    if rev.style == "latin1":
        return (
            "# -*- coding: latin-1 -*-\n"
            f"\"\"\"Caf\u00e9 {rev.id}\n\nWith a second paragraph.\"\"\"\n"
            f"{record}revision = {rev.id!r}\ndown_revision = {down}\n"
            f"branch_labels = {label}\ndepends_on = {depends}\n{body}"
        )
    if rev.style == "no_doc":  # no docstring, no branch_labels or depends_on at all
        if rev.label or rev.depends:
            rev.style = "plain"
            return render(rev, marker)
        return f"{record}revision = {rev.id!r}\ndown_revision = {down}\n{body}"
    if rev.style == "multidb":  # the multi-database template dispatches through globals()
        dispatch = (
            "\ndef upgrade(engine_name=''):\n    globals()[f'upgrade_{engine_name}']()\n"
            "\ndef upgrade_():\n    pass\n"
            "\ndef downgrade(engine_name=''):\n    globals()[f'downgrade_{engine_name}']()\n"
            "\ndef downgrade_():\n    pass\n"
        )
        return (
            f"{doc}{record}revision = {rev.id!r}\ndown_revision = {down}\n"
            f"branch_labels = {label}\ndepends_on = {depends}\n{dispatch}"
        )
    if rev.style == "plain":
        return (
            f"{doc}{record}revision = {rev.id!r}\ndown_revision = {down}\n"
            f"branch_labels = {label}\ndepends_on = {depends}\n{body}"
        )
    head, tail = rev.id[:4], rev.id[4:]
    if rev.style == "computed":
        ident = f"revision = ''.join([{head!r}, {tail!r}])\n"
    elif rev.style == "conditional":
        ident = f"import os\nif os.sep:\n    revision = {rev.id!r}\nelse:\n    revision = 'never'\n"
    elif rev.style == "repeated":
        ident = f"revision = 'placeholder'\nrevision = {rev.id!r}\n"
    elif rev.style == "globals_trick":
        ident = f"revision = 'placeholder'\nglobals()['revision'] = {rev.id!r}\n"
    else:  # star_import: the ids could come from anywhere
        ident = f"from os.path import *\nrevision = {rev.id!r}\n"
    return (
        f"{doc}{record}{ident}down_revision = {down}\n"
        f"branch_labels = {label}\ndepends_on = {depends}\n{body}"
    )


def write_history(versions: Path, revisions: list[Revision], marker: Path) -> History:
    for rev in revisions:
        folder = versions / rev.subdir
        folder.mkdir(parents=True, exist_ok=True)
        text = render(rev, marker)
        encoding = "latin-1" if rev.style == "latin1" else "utf-8"
        (folder / f"{rev.id}_step.py").write_bytes(text.encode(encoding))
    # Files Alembic's listing skips or that hold no revision of their own.
    (versions / "__init__.py").write_text("")
    (versions / "README.txt").write_text("not a revision\n")
    (versions / ".#lockfile.py").write_text("this is not python(\n")
    return History(revisions, marker)


_LABEL_LIST = re.compile(r"lbl\d+(?:, lbl\d+)*")


def labels_sorted(text: str) -> str:
    """*text* with each printed list of branch labels sorted.

    Alembic keeps a revision's labels in a set, printed in the set's order,
    which changes from one load to the next even with Alembic alone.
    """
    return _LABEL_LIST.sub(lambda m: ", ".join(sorted(m.group(0).split(", "))), text)
