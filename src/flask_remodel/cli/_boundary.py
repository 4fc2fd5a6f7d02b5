"""The CLI's single error boundary and its output settings.

Every ``flask db`` command runs inside :func:`command_boundary`: an expected
failure (a :class:`~flask_remodel.errors.RemodelError`) prints one line and
exits with that error's code; anything else prints one line that suggests
``--traceback``, which shows the full trace instead.
"""

from __future__ import annotations

import logging
import sys
import traceback
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from typing import NoReturn

import click
from flask import current_app
from flask.cli import NoAppException

from ..errors import ConfigurationError
from ..errors import RemodelError
from ..settings import SettingsWarning
from ..state import MigrateState
from ..urls import mask_passwords

# Alembic's progress lines, in the layout Flask-Migrate users know:
# "INFO  [alembic.runtime.migration] Running upgrade  -> 1a2b, add users".
_FORMAT = "%(levelname)-5.5s [%(name)s] %(message)s"


# What Alembic logs each time it configures a MigrationContext.
_ANNOUNCEMENT = ("Context impl ", "Generating static SQL", "Will assume ")


class _MaskingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return mask_passwords(super().format(record))


def _announces_context(record: logging.LogRecord) -> bool:
    return (
        record.name == "alembic.runtime.migration"
        and isinstance(record.msg, str)
        and record.msg.startswith(_ANNOUNCEMENT)
    )


class _ProgressHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Alembic's and Flask-Remodel's log lines on stderr, Alembic's context announced once.

    Alembic announces every ``MigrationContext`` it configures ("Context impl
    X." / "Will assume ... DDL."), and one command configures several: the
    lint gate and the deploy runner read the version table before, during and
    after the run. Flask-Migrate users see one announcement, so unless the
    command is verbose only one is printed: that of the context whose own
    line comes first (the run's "Running upgrade ..."), which says what the
    run assumes. The others are held back and dropped.
    """

    def __init__(self, opts: Options) -> None:
        super().__init__(sys.stderr)
        self.opts = opts
        self.held: list[logging.LogRecord] = []
        self.announced = False

    def emit(self, record: logging.LogRecord) -> None:
        if self.opts.verbose:
            super().emit(record)
            return
        if _announces_context(record):
            if not self.announced:
                if str(record.msg).startswith("Context impl "):
                    self.held = []  # a new context: the one before it produced nothing
                self.held.append(record)
            return
        if self.held:
            self.announced = True
            for each in self.held:
                super().emit(each)
            self.held = []
        super().emit(record)


@dataclass
class Options:
    """Settings given to the ``db`` group itself."""

    directory: str | None = None
    x_arg: tuple[str, ...] = ()
    traceback: bool = False
    show_sql: bool = False
    verbose: bool = False  # every context announcement and detail line, known lint findings
    handlers: list[tuple[logging.Logger, logging.Handler, int]] = field(default_factory=list)

    def directory_for(self, own: str | None) -> str | None:
        """A command's own ``-d`` wins over the group's."""
        return own if own is not None else self.directory

    def x_args_with(self, own: tuple[str, ...]) -> list[str]:
        """The group's ``-x`` values then the command's, each once (Flask-Migrate bug B3)."""
        return [*self.x_arg, *own]


def options() -> Options:
    ctx = click.get_current_context()
    found = ctx.meta.get("flask_remodel.options")
    return found if isinstance(found, Options) else Options()


def check_settings() -> None:
    """Check the app's ``REMODEL_*`` settings before a command runs, whichever it is.

    A bad value raises :class:`~flask_remodel.errors.SettingsError`; a key
    Flask-Remodel does not know is printed as one ``Warning:`` line.
    """
    state = current_app.extensions.get("migrate")
    if not isinstance(state, MigrateState):
        return  # the command itself says the extension is missing
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SettingsWarning)
        state.settings_for(current_app.config)
    for warning in caught:
        if issubclass(warning.category, SettingsWarning):
            click.echo(f"Warning: {warning.message}", err=True)
        else:
            warnings.warn_explicit(
                warning.message, warning.category, warning.filename, warning.lineno
            )


def be_verbose() -> Options:
    """A command's ``-v``: show what a quiet run leaves out (the group's ``-v`` does too)."""
    opts = options()
    opts.verbose = True
    # Details such as the lock-timeout settings are logged at DEBUG; the
    # boundary puts the level back afterwards.
    logging.getLogger("flask_remodel").setLevel(logging.DEBUG)
    return opts


def _listen(
    opts: Options, name: str, level: int, handler: logging.Handler | None = None
) -> None:
    logger = logging.getLogger(name)
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_MaskingFormatter(_FORMAT))
    opts.handlers.append((logger, handler, logger.level))
    logger.addHandler(handler)
    logger.setLevel(level)


def _trace_and_exit(code: int) -> NoReturn:
    """``--traceback``: the full trace, and still the exit code scripts check for."""
    click.echo(mask_passwords(traceback.format_exc()).rstrip("\n"), err=True)
    sys.exit(code)


@contextmanager
def command_boundary(opts: Options) -> Iterator[None]:
    # One handler for both, so that a line of either shows the held announcement first.
    progress = _ProgressHandler(opts)
    progress.setFormatter(_MaskingFormatter(_FORMAT))
    _listen(opts, "alembic", logging.INFO, progress)
    # Progress of long operations (op.backfill); details at DEBUG with -v.
    _listen(opts, "flask_remodel", logging.DEBUG if opts.verbose else logging.INFO, progress)
    # One line per autogenerate plugin on every run is noise, not progress.
    plugins = logging.getLogger("alembic.runtime.plugins")
    opts.handlers.append((plugins, logging.NullHandler(), plugins.level))
    plugins.setLevel(logging.WARNING)
    if opts.show_sql:
        _listen(opts, "sqlalchemy.engine", logging.INFO)
    try:
        yield
    except RemodelError as exc:
        if opts.traceback:
            _trace_and_exit(exc.exit_code)
        click.echo(f"Error: {mask_passwords(exc.message)}", err=True)
        sys.exit(exc.exit_code)
    except NoAppException as exc:
        if opts.traceback:
            _trace_and_exit(ConfigurationError.exit_code)
        click.echo(f"Error: {exc.format_message()}", err=True)
        sys.exit(ConfigurationError.exit_code)
    except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
        raise
    except Exception as exc:
        if opts.traceback:
            raise
        text = mask_passwords(str(exc).strip().splitlines()[0] if str(exc).strip() else "")
        click.echo(
            f"Error: unexpected {type(exc).__name__}: {text} "
            "(run 'flask db --traceback ...' for the full trace)",
            err=True,
        )
        sys.exit(1)
    finally:
        for logger, handler, level in opts.handlers:
            logger.removeHandler(handler)
            logger.setLevel(level)
        opts.handlers.clear()
