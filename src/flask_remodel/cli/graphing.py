"""``flask db graph``: the revision graph as a tree, Mermaid, DOT or an HTML page."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from .. import api
from ..errors import RemodelError
from ..graph import FORMATS
from ._boundary import options
from ._options import directory_option
from .group import command

_BY_SUFFIX = {".html": "html", ".htm": "html", ".dot": "dot", ".gv": "dot",
              ".mmd": "mermaid", ".mermaid": "mermaid"}


@command()
@directory_option
@click.option(
    "-f", "--format", type=click.Choice(FORMATS), default=None,
    help="text (default), mermaid, dot or html; guessed from --output's suffix if not given.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write to this file instead of stdout.")
@click.option("--no-db", is_flag=True, help="Do not ask the database what it has applied.")
def graph(directory: str | None, format: str | None, output: str | None, no_db: bool) -> None:
    """Draw the revision graph."""
    # The picture is the output; Alembic's "Context impl ..." lines from reading the
    # version table are noise here (the boundary restores the level afterwards).
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if format is None:
        format = _BY_SUFFIX.get(Path(output).suffix.lower(), "text") if output else "text"
    result = api.graph(options().directory_for(directory), format, database=not no_db)
    if result.note:
        click.echo(f"Note: {result.note}", err=True)
    if output is None:
        click.echo(result.text, nl=False)
        return
    try:
        Path(output).write_text(result.text, encoding="utf-8")
    except OSError as exc:
        raise RemodelError(
            f"Cannot write the graph to {output}: {exc.strerror}. Choose another -o/--output."
        ) from exc
    click.echo(f"Wrote the {format} graph of {len(result.model)} revisions to {output}.")
