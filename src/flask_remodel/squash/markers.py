"""Finding the squashed revision that replaced an id, from the marker it carries."""

from __future__ import annotations

from typing import Any

from .compose import MARKER


def squashed_into(script_directory: Any, revision: str) -> Any | None:
    """The ``Script`` whose squash replaced *revision*, or ``None``."""
    for script in script_directory.walk_revisions():
        replaced = getattr(script.module, MARKER, ())
        if revision in replaced and revision != script.revision:
            return script
    return None
