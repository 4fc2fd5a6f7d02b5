"""Options shared by several commands, declared once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from typing import TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def directory_option(f: F) -> F:
    return click.option(
        "-d", "--directory", default=None,
        help="Migrations folder (default: the one given to Migrate, 'migrations').",
    )(f)


def x_arg_option(f: F) -> F:
    return click.option(
        "-x", "--x-arg", "x_arg", multiple=True,
        help="Extra argument for the environment (context.get_x_argument()); repeatable.",
    )(f)


def sql_option(f: F) -> F:
    return click.option(
        "--sql", is_flag=True, help="Print the SQL instead of running it (offline mode)."
    )(f)


def tag_option(f: F) -> F:
    return click.option(
        "--tag", default=None, help="An arbitrary string passed to the environment."
    )(f)


def verbose_option(f: F) -> F:
    return click.option("-v", "--verbose", is_flag=True, help="Show full details.")(f)


def details_option(shown: str) -> Callable[[F], F]:
    """The ``-v`` of a command that leaves details out by default; *shown* lists them."""
    return click.option("-v", "--verbose", is_flag=True, help=f"Also show {shown}.")


def message_option(f: F) -> F:
    return click.option("-m", "--message", default=None, help="Revision message.")(f)


def branch_label_option(f: F) -> F:
    return click.option(
        "--branch-label", default=None, help="Branch label to apply to the new revision."
    )(f)


def rev_id_option(f: F) -> F:
    return click.option(
        "--rev-id", default=None, help="Revision id to use instead of a generated one."
    )(f)


def new_revision_options(f: F) -> F:
    """The options of ``revision`` and ``migrate`` (Alembic's ``revision``)."""
    for option in reversed(
        (
            directory_option,
            message_option,
            sql_option,
            click.option(
                "--head", default="head",
                help="Revision the new one builds on (default: head).",
            ),
            click.option(
                "--splice", is_flag=True,
                help="Allow a non-head revision as --head, starting a new branch.",
            ),
            branch_label_option,
            click.option(
                "--version-path", default=None, help="Folder to write the revision file to."
            ),
            rev_id_option,
            click.option(
                "--depends-on", multiple=True,
                help="Revision the new one depends on; repeatable.",
            ),
        )
    ):
        f = option(f)
    return f


def lock_wait_option(f: F) -> F:
    return click.option(
        "--lock-wait", type=click.FloatRange(min=0), default=None, metavar="SECONDS",
        help="How long to wait for another instance's deploy lock "
        "(default: REMODEL_LOCK_WAIT, else 600).",
    )(f)


def format_option(f: F) -> F:
    return click.option(
        "--format", "output_format", type=click.Choice(["text", "json"]), default="text",
        show_default=True, help="json: one JSON object per line, for deploy scripts.",
    )(f)


def plan_option(f: F) -> F:
    return click.option(
        "--plan", is_flag=True,
        help="Show the revisions, operations and SQL that would run; change nothing.",
    )(f)


def fleet_option(f: F) -> F:
    return click.option(
        "--fleet", is_flag=True,
        help="Every database of REMODEL_FLEET, one row each (docs/many-databases.md).",
    )(f)


def targets_option(f: F) -> F:
    return click.option(
        "--targets", default=None, metavar="NAMES",
        help="With --fleet: only these targets (names separated by commas).",
    )(f)


def target_names(targets: str | None) -> list[str] | None:
    """``--targets a,b`` as a list of names (None: every target)."""
    if targets is None:
        return None
    return [name.strip() for name in targets.split(",") if name.strip()]
