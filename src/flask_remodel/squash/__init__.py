"""Replacing a straight run of revisions with one, independent of Flask.

:func:`plan_squash` checks the range against the graph, :func:`read_revision`
cuts each file into pieces without running it, and :func:`compose` writes the
joined file. ``flask_remodel.api.squash`` does the file moves around them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import _lazy

if TYPE_CHECKING:
    from .compose import Part as Part
    from .compose import compose as compose
    from .compose import slug as slug
    from .markers import CHECKSUMS as CHECKSUMS
    from .markers import MARKER as MARKER
    from .markers import SquashMarks as SquashMarks
    from .markers import read_marks as read_marks
    from .markers import squashed_into as squashed_into
    from .plan import RangeError as RangeError
    from .plan import SquashPlan as SquashPlan
    from .plan import plan_squash as plan_squash
    from .source import RevisionSource as RevisionSource
    from .source import SourceError as SourceError
    from .source import read_revision as read_revision

# Imported on first use: an upgrade reads the squash markers (:mod:`.markers`)
# and never needs the planner, the reader or the writer. ``compose`` is a function
# and a module of the same name: the function stays the attribute.
if not TYPE_CHECKING:
    __getattr__, __dir__, __all__ = _lazy.lazy_exports(__name__, keep=("compose",))
