"""``flask db squash FROM TO``: one revision instead of a straight run of them."""

from __future__ import annotations

import logging

import click

from .. import api
from ._boundary import options
from ._options import directory_option
from ._options import message_option
from .group import command


@command()
@directory_option
@message_option
@click.option("--delete", is_flag=True,
              help="Delete the replaced files instead of moving them to <migrations>/squashed/.")
@click.option("--no-db", is_flag=True,
              help="Do not check that the database is outside the range.")
@click.argument("first", metavar="FROM")
@click.argument("last", metavar="TO")
def squash(
    directory: str | None, message: str | None, delete: bool, no_db: bool, first: str, last: str
) -> None:
    """Replace revisions FROM..TO (a straight line) with one revision that keeps TO's id."""
    # Reading the version table logs "Context impl ..."; only the squash's result matters here.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    result = api.squash(
        first, last, options().directory_for(directory), message, delete, check_database=not no_db
    )
    click.echo(
        f"Squashed {len(result.replaced)} revisions into {result.revision}: {result.path}"
    )
    if result.backup is not None:
        click.echo(f"The original files were moved to {result.backup}.")
    else:
        click.echo("The original files were deleted.")
