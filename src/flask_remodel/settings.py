"""Every ``REMODEL_*`` key of the app's config, declared once: :class:`RemodelSettings`.

Each field of the dataclass is one key: its name in ``app.config``, the
environment variable read when the app's config leaves the key unset (if any),
its default, the values it accepts and a one-line description. The object is
built and checked as a whole the first time a command needs it, ``flask db
...`` or a Python API function alike, and kept on the extension state
(:meth:`flask_remodel.extension.MigrateState.settings_for`), so that a bad
value stops *every* command with one :class:`~flask_remodel.errors.SettingsError`
naming the key, the value and what it accepts, and a misspelt key name gets
one :class:`SettingsWarning` naming the closest known key.

Nothing else in Flask-Remodel reads a ``REMODEL_*`` key of ``app.config``
(a test keeps it so). The "App config keys" section of
``docs/configuration.md`` is generated from the declarations here: run
``python -m flask_remodel.settings`` after changing one (a test fails while the
page is stale).

This module imports no Flask (nor Alembic): it reads any mapping.
"""

from __future__ import annotations

import copy
import math
import os
import sys
import warnings
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from dataclasses import fields
from pathlib import Path
from typing import Any

from .errors import SettingsError

PREFIX = "REMODEL_"

#: Read from the environment only, where the command runs (``upgrade --backup``).
ENVIRONMENT_ONLY: dict[str, str] = {
    "REMODEL_PG_DUMP": "the `pg_dump` program `upgrade --backup` runs on PostgreSQL "
    "(default: `pg_dump` on `PATH`)",
    "REMODEL_MYSQL_DUMP": "the dump program `upgrade --backup` runs on MariaDB/MySQL "
    "(default: `mariadb-dump`, else `mysqldump`, on `PATH`)",
    "REMODEL_PT_OSC": "the `pt-online-schema-change` program an online operation runs on "
    "MariaDB/MySQL when the server could only do its ALTER by copying the table (default: "
    "`pt-online-schema-change` on `PATH`; see docs/big-tables-mariadb.md)",
    "REMODEL_PT_OSC_ARGS": "more options for `pt-online-schema-change`, split as a shell "
    "would (e.g. `--max-load Threads_running=50 --chunk-time 1`); never a password",
}


class SettingsWarning(UserWarning):
    """A ``REMODEL_*`` key in the app's config that Flask-Remodel does not read."""


class _Rejected(ValueError):
    """A value a parser does not accept (the message comes from the declaration)."""


@dataclass(frozen=True)
class Setting:
    """The declaration of one key, kept in its field's metadata."""

    key: str
    doc: str
    """One line for the documentation table."""
    accepts: str
    """What the key accepts, as the error message and the documentation say it."""
    default: str
    """The default as the documentation and the error message show it."""
    example: str
    """A value that would be accepted, written as Python."""
    parse: Callable[[object], Any]
    environment: str | None = None
    """The environment variable read when the app's config leaves the key unset."""


def _setting(
    key: str, default: Any, parse: Callable[[object], Any], *, doc: str, accepts: str,
    example: str, shown: str | None = None, environment: str | None = None,
) -> Any:
    declared = Setting(
        key, doc, accepts, shown if shown is not None else f"`{default!r}`", example, parse,
        environment,
    )
    return field(default=default, metadata={"setting": declared})


# What each kind of key accepts. ``None`` or ``""`` never reaches them: either
# leaves the key unset (the environment variable, else the default).


def _choice(*names: str) -> Callable[[object], str]:
    def parse(value: object) -> str:
        if isinstance(value, str) and value.strip().lower() in names:
            return value.strip().lower()
        raise _Rejected()

    return parse


def _whole_number(value: object) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _Rejected()
    return value


def _seconds(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise _Rejected()
    try:
        seconds = float(value)
    except ValueError:
        raise _Rejected() from None
    if math.isnan(seconds) or seconds < 0:
        raise _Rejected()
    return seconds


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise _Rejected()
    return value


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise _Rejected()
    return value.strip()


def _names(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(value.replace(",", " ").split())
    if isinstance(value, (list, tuple, set, frozenset)) and all(
        isinstance(v, str) for v in value
    ):
        return tuple(name.strip() for name in value if name.strip())
    raise _Rejected()


def _fleet(value: object) -> Mapping[str, Any] | Callable[[], Any]:
    # The shape only: each target is checked when a fleet command reads them
    # (flask_remodel.fleet.targets), against the app's default database.
    if callable(value):
        return value
    if isinstance(value, Mapping) and value:
        return dict(value)
    raise _Rejected()


def _folder(value: object) -> Path:
    if not isinstance(value, (str, os.PathLike)):
        raise _Rejected()
    return Path(value)


_MS = "a whole number of milliseconds, 0 or more"
_RULES = "a list of rule ids or slugs, or one string of them separated by commas or spaces"


@dataclass(frozen=True)
class RemodelSettings:
    """The app's ``REMODEL_*`` settings, checked; the defaults for keys it leaves out."""

    lint: str = _setting(
        "REMODEL_LINT", "warn", _choice("off", "warn", "error"), shown='`"warn"`',
        accepts="one of off, warn, error", example="'warn'",
        doc='`"warn"`: `migrate` and `upgrade` print lint findings; `"error"`: `upgrade` '
        "also stops before running anything when a finding is an error (as `upgrade "
        '--strict`, and for `flask_remodel.upgrade()` too); `"off"`: neither lints',
    )
    lint_baseline: str | None = _setting(
        "REMODEL_LINT_BASELINE", None, _text, shown="none",
        accepts="a revision id (a string)", example="'1a2b3c4d5e6f'",
        doc="a revision: it and every revision before it are never reported on "
        "(`flask db lint --baseline` overrides it)",
    )
    lint_disable: tuple[str, ...] = _setting(
        "REMODEL_LINT_DISABLE", (), _names, shown="none",
        accepts=_RULES, example="['RM511']",
        doc="rules never reported, for `lint`, `migrate` and `upgrade` alike; e.g. "
        '`["RM511"]` when your deploy sets `lock_timeout` itself',
    )
    lint_enable: tuple[str, ...] = _setting(
        "REMODEL_LINT_ENABLE", (), _names, shown="none",
        accepts=_RULES, example="['RM601']",
        doc='opt-in rules to switch on everywhere, e.g. `["RM601", "prefer-timestamptz"]`',
    )
    lock_timeout: int = _setting(
        "REMODEL_LOCK_TIMEOUT", 50, _whole_number, accepts=_MS, example="50",
        doc="ms a migration statement may wait for a lock on PostgreSQL and MariaDB/MySQL; "
        "`0` turns lock timeouts and retries off ([online upgrades](online-upgrades.md)); "
        "`upgrade --sql` scripts set it too, without the retries",
    )
    lock_retries: int = _setting(
        "REMODEL_LOCK_RETRIES", 10, _whole_number, accepts="a whole number, 0 or more",
        example="10", doc="how many times a statement that timed out is tried again",
    )
    lock_retry_delay: int = _setting(
        "REMODEL_LOCK_RETRY_DELAY", 100, _whole_number, accepts=_MS, example="100",
        doc="ms before the first retry; each later pause doubles, capped at 5 s",
    )
    statement_timeout: int = _setting(
        "REMODEL_STATEMENT_TIMEOUT", 0, _whole_number, accepts=_MS, example="0",
        doc="ms any one migration statement may run (PostgreSQL `statement_timeout`, "
        "MariaDB `max_statement_time`); `0` = no limit",
    )
    online: bool | None = _setting(
        "REMODEL_ONLINE", None, _flag, shown="automatic",
        accepts="True or False (None: automatic)", example="False",
        doc="whether `flask db migrate` writes the online forms; automatic: yes on "
        "PostgreSQL and MariaDB/MySQL, which have them ([online upgrades]"
        "(online-upgrades.md)); `False` writes the plain forms everywhere, as "
        "`--no-online`; `--online`/`--no-online` override it",
    )
    lock_wait: float = _setting(
        "REMODEL_LOCK_WAIT", 600.0, _seconds, shown="`600`", environment="REMODEL_LOCK_WAIT",
        accepts="a number of seconds, 0 or more", example="120",
        doc="seconds `upgrade`, `downgrade`, `stamp` and `resolve` wait for another "
        "instance's deploy lock before exit 7 (`--lock-wait` overrides it)",
    )
    backup_dir: Path = _setting(
        "REMODEL_BACKUP_DIR", Path("backups"), _folder, shown="`./backups`",
        environment="REMODEL_BACKUP_DIR", accepts="a folder (a string or a path)",
        example="'/var/backups/app'",
        doc="where `upgrade --backup` writes (`--backup-dir` overrides it)",
    )

    fleet: Mapping[str, Any] | Callable[[], Any] | None = _setting(
        "REMODEL_FLEET", None, _fleet, shown="none",
        accepts="a non-empty dict of target name to URL, or to {'url': ..., 'schema': ...}, "
        "or a function returning one",
        example="{'acme': 'postgresql://db/acme'}",
        doc="the databases (or PostgreSQL schemas) `upgrade --fleet`, `status --fleet` and "
        "`current --fleet` run on ([many databases](many-databases.md))",
    )

    @classmethod
    def from_config(
        cls, config: Mapping[str, Any], environ: Mapping[str, str] | None = None
    ) -> RemodelSettings:
        """The settings *config* (the app's) describes; *environ* defaults to ``os.environ``.

        Raises :class:`~flask_remodel.errors.SettingsError` for the first bad
        value, and warns (:class:`SettingsWarning`) once per key of *config*
        that starts with ``REMODEL_`` and is not a setting.
        """
        environ = os.environ if environ is None else environ
        values = {f.name: read(declaration(f.name), config, environ) for f in fields(cls)}
        for message in unknown_keys(config):
            warnings.warn(message, SettingsWarning, stacklevel=2)
        return cls(**values)


_FIELDS = {f.name: f for f in fields(RemodelSettings)}
_FIELDS_BY_KEY = {f.metadata["setting"].key: f for f in _FIELDS.values()}


def declaration(name: str) -> Setting:
    """The declaration of :class:`RemodelSettings` field *name*."""
    found: Setting = _FIELDS[name].metadata["setting"]
    return found


def declarations() -> list[Setting]:
    """Every key, in the order of the documentation table."""
    return [declaration(name) for name in _FIELDS]


def read(setting: Setting, config: Mapping[str, Any], environ: Mapping[str, str]) -> Any:
    """The value of one key: from *config*, else its environment variable, else the default."""
    value, source = config.get(setting.key), "app.config"
    if _unset(value) and setting.environment is not None:
        value, source = environ.get(setting.environment), "environment"
    if _unset(value):
        return _FIELDS_BY_KEY[setting.key].default
    try:
        return setting.parse(value)
    except _Rejected:
        raise SettingsError(
            setting.key, value, setting.accepts, _fix(setting, source), source
        ) from None


def _unset(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _fix(setting: Setting, source: str) -> str:
    default = setting.default.strip("`")
    if source == "environment":
        example = setting.example.strip("'")
        return (
            f"set the environment variable {setting.environment} to e.g. {example}, "
            f"or unset it for the default ({default})"
        )
    return (
        f"set app.config[{setting.key!r}] = {setting.example}, or leave it out for the "
        f"default ({default})"
    )


def unknown_keys(config: Mapping[str, Any]) -> list[str]:
    """One warning per ``REMODEL_*`` key of *config* that is not a setting."""
    import difflib

    suffixes = [key[len(PREFIX):] for key in _FIELDS_BY_KEY]
    messages = []
    for key in sorted(k for k in config if isinstance(k, str) and k.startswith(PREFIX)):
        if key in _FIELDS_BY_KEY:
            continue
        if key in ENVIRONMENT_ONLY:
            messages.append(
                f"app.config[{key!r}] is not read: {key} is an environment variable; "
                "set it where the command runs."
            )
            continue
        # Compared without the prefix every key shares, which would make any two look alike.
        close = difflib.get_close_matches(key[len(PREFIX):], suffixes, n=1, cutoff=0.6)
        hint = f"did you mean {PREFIX}{close[0]}?" if close else "see docs/configuration.md."
        messages.append(f"app.config[{key!r}] is not a Flask-Remodel setting: {hint}")
    return messages


def snapshot(config: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> object:
    """What :class:`RemodelSettings` is built from: equal snapshots give equal settings.

    The ``REMODEL_*`` keys of *config*, copied (a list changed in place is a
    change), and the environment variables the settings read.
    """
    environ = os.environ if environ is None else environ
    keys = {}
    for key, value in config.items():
        if isinstance(key, str) and key.startswith(PREFIX):
            try:
                keys[key] = copy.deepcopy(value)
            except Exception:  # an object that cannot be copied is compared as it is
                keys[key] = value
    variables = {s.environment: environ.get(s.environment) for s in declarations() if
                 s.environment is not None}
    return keys, variables


# The "App config keys" section of docs/configuration.md.

DOCS_START = "<!-- settings: generated by 'python -m flask_remodel.settings'; do not edit -->"
DOCS_END = "<!-- end of settings -->"


def docs_section() -> str:
    """The generated part of the section, between :data:`DOCS_START` and :data:`DOCS_END`."""
    lines = [
        DOCS_START,
        "",
        "| key | else, from the environment | default | accepts | meaning |",
        "| --- | --- | --- | --- | --- |",
    ]
    for s in declarations():
        variable = f"`{s.environment}`" if s.environment else ""
        lines.append(f"| `{s.key}` | {variable} | {s.default} | {s.accepts} | {s.doc} |")
    lines += [
        "",
        "Environment variables only (not read from `app.config`):",
        "",
        *(f"* `{name}`: {text}." for name, text in ENVIRONMENT_ONLY.items()),
        "",
        DOCS_END,
    ]
    return "\n".join(lines)


def with_docs_section(page: str) -> str:
    """*page* with its generated section replaced by :func:`docs_section`."""
    head, start, rest = page.partition(DOCS_START)
    _, end, tail = rest.partition(DOCS_END)
    if not start or not end:
        raise ValueError(f"the page has no {DOCS_START!r} ... {DOCS_END!r} block")
    return head + docs_section() + tail


if __name__ == "__main__":  # pragma: no cover - a developer tool
    page = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/configuration.md")
    page.write_text(with_docs_section(page.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"Wrote the settings table of {page}")
