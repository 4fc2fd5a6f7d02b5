"""Replacing a straight run of revisions with one, independent of Flask.

:func:`plan_squash` checks the range against the graph, :func:`read_revision`
cuts each file into pieces without running it, and :func:`compose` writes the
joined file. ``flask_remodel.api.squash`` does the file moves around them.
"""

from .compose import Part
from .compose import compose
from .compose import slug
from .markers import CHECKSUMS
from .markers import MARKER
from .markers import SquashMarks
from .markers import read_marks
from .markers import squashed_into
from .plan import RangeError
from .plan import SquashPlan
from .plan import plan_squash
from .source import RevisionSource
from .source import SourceError
from .source import read_revision

__all__ = [
    "CHECKSUMS",
    "MARKER",
    "Part",
    "RangeError",
    "RevisionSource",
    "SourceError",
    "SquashMarks",
    "SquashPlan",
    "compose",
    "plan_squash",
    "read_marks",
    "read_revision",
    "slug",
    "squashed_into",
]
