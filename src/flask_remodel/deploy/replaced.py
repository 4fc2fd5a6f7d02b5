"""Applied revisions a squash replaced: accounted for, neither missing nor edited.

After ``flask db squash``, a database that ran the original files has ledger
rows for ids whose files are gone, and for TO, whose file is now the squashed
one. The squashed file lists what it replaced and the checksums those files
had (:mod:`flask_remodel.squash.markers`), so ``validate`` and ``status`` can
tell such a row from a file deleted or edited by mistake: the row is accounted
for when the squash replaced its id and its checksum is one the squash
recorded. A file squashed before checksums were recorded accounts by id alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from alembic.script import ScriptDirectory

from ..squash.markers import read_marks


@dataclass(frozen=True)
class Replacement:
    by: str
    """The squashed revision that replaced the id."""
    checksums: tuple[str, ...]
    """What a ledger may hold for the id; empty when the squash did not record it."""

    def accounts_for(self, recorded: str | None) -> bool:
        return recorded is None or not self.checksums or recorded in self.checksums


def replacements(script: ScriptDirectory) -> dict[str, Replacement]:
    """Every id a squashed file in the folder replaced (TO's own included)."""
    try:
        scripts = list(script.walk_revisions())
    except Exception:
        # A graph Alembic cannot walk accounts for nothing; what validate looks up
        # next fails (and is reported) on its own.
        return {}
    found: dict[str, Replacement] = {}
    for each in scripts:
        marks = read_marks(each.path)
        for rid in marks.replaced:
            sums = marks.checksums.get(rid, ())
            seen = found.get(rid)
            if seen is not None:  # two squashed files claim it: either may have run
                sums = (*seen.checksums, *sums) if seen.checksums and sums else ()
            found[rid] = Replacement(each.revision, sums)
    return found
