"""Alembic's ``Config``, with Flask-Remodel's own templates as the default."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.config import Config as AlembicConfig

TEMPLATES = Path(__file__).parent / "templates"


class Config(AlembicConfig):
    """An Alembic ``Config`` whose templates default to Flask-Remodel's.

    :param template_directory: where ``init`` looks for templates; by default
        Flask-Remodel's own. Alembic's templates are reached through
        :func:`flask_remodel.init` by name, whatever this says.
    """

    def __init__(self, *args: Any, template_directory: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.template_directory = template_directory

    def get_template_directory(self) -> str:
        if self.template_directory:
            return self.template_directory
        return str(TEMPLATES)
