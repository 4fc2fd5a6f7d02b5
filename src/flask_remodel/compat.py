"""Flask-Migrate's ``catch_errors``, for code that wrapped its own functions with it."""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from typing import Any
from typing import TypeVar

from .errors import RemodelError

F = TypeVar("F", bound=Callable[..., Any])

log = logging.getLogger("flask_remodel")


def catch_errors(f: F) -> F:
    """Log ``Error: ...`` and exit 1 on a Flask-Remodel, Alembic or runtime error.

    The command functions themselves raise typed errors instead; this keeps
    scripts written against Flask-Migrate's decorator working.
    """

    @functools.wraps(f)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        try:
            return f(*args, **kwargs)
        except Exception as exc:
            # Imported here: only a failing call needs Alembic's error class.
            from alembic.util import CommandError

            if not isinstance(exc, (RemodelError, CommandError, RuntimeError)):
                raise
            log.error("Error: %s", exc)
            sys.exit(1)

    return wrapped  # type: ignore[return-value]
