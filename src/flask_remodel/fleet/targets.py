"""The targets of a fleet: ``REMODEL_FLEET`` read and checked, and one engine per target.

A target is a database URL, or a PostgreSQL schema inside a database (the
app's default one unless a URL is given). The declaration is checked as a
whole before anything runs, and every problem is one
:class:`~.errors.FleetDeclarationError`: an empty fleet, a name that cannot be
typed on a command line, a schema on a database that has none, two targets that
are the same place (two workers would race on it), a callable that raises.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL
from sqlalchemy.engine import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from ..dialects import dialect_for
from ..urls import mask_passwords
from ..urls import shown_url
from .errors import FleetDeclarationError

_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
_SCHEMA = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class FleetTarget:
    """One database of a fleet: a URL, a PostgreSQL schema, or a schema in a URL's database.

    :param url: the database; ``None``: the app's default database.
    :param schema: a PostgreSQL schema inside that database, holding the
        tenant's tables, version table, ledger and deploy lock row.
    """

    name: str
    url: str | None = None
    schema: str | None = None

    def where(self, default_url: URL | None = None) -> str:
        """Where the target is, passwords masked (for reports)."""
        url = shown_url(make_url(self.url)) if self.url else (
            shown_url(default_url) if default_url is not None else "(default database)"
        )
        return f"{url} schema {self.schema}" if self.schema else url


def read_targets(declared: object, default_url: URL) -> list[FleetTarget]:
    """The targets *declared* (the ``REMODEL_FLEET`` value), checked, in declaration order.

    *default_url* is the app's default database: where a schema target without
    a URL lives. Raises :class:`FleetDeclarationError` for any problem.
    """
    if declared is None:
        raise FleetDeclarationError("the app declares no fleet (app.config['REMODEL_FLEET'])")
    if callable(declared):
        declared = _called(declared)
    targets = _as_targets(declared)
    if not targets:
        raise FleetDeclarationError("the fleet is empty")
    seen: dict[str, FleetTarget] = {}
    places: dict[tuple[str, str | None], str] = {}
    for target in targets:
        _check(target, default_url)
        if target.name in seen:
            raise FleetDeclarationError(f"the target name {target.name!r} is declared twice")
        seen[target.name] = target
        place = (_place(target, default_url), target.schema)
        if place in places:
            raise FleetDeclarationError(
                f"targets {places[place]!r} and {target.name!r} are the same database"
                f"{' and schema' if target.schema else ''}"
            )
        places[place] = target.name
    return targets


def _called(declared: Callable[[], Any]) -> object:
    try:
        return declared()
    except Exception as exc:  # the app's code: any failure is a bad declaration
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise FleetDeclarationError(
            f"the function {getattr(declared, '__name__', 'given')}() raised "
            f"{type(exc).__name__}: {reason}"
        ) from exc


def _as_targets(declared: object) -> list[FleetTarget]:
    if isinstance(declared, Mapping):
        return [_from_entry(name, value) for name, value in declared.items()]
    if isinstance(declared, Iterable) and not isinstance(declared, (str, bytes)):
        items = list(declared)
        if all(isinstance(item, FleetTarget) for item in items):
            return items
    raise FleetDeclarationError(
        f"expected a dict of targets (or a list of FleetTarget), not {type(declared).__name__}"
    )


def _from_entry(name: object, value: object) -> FleetTarget:
    if not isinstance(name, str):
        raise FleetDeclarationError(f"the target name {name!r} is not a string")
    if isinstance(value, FleetTarget):
        return FleetTarget(name, value.url, value.schema)
    if isinstance(value, (str, URL)):
        return FleetTarget(name, _url_text(value))
    if isinstance(value, Mapping):
        unknown = set(value) - {"url", "schema"}
        if unknown:
            raise FleetDeclarationError(
                f"target {name!r} has unknown keys {sorted(map(str, unknown))} (only url, schema)"
            )
        url, schema = value.get("url"), value.get("schema")
        if url is None and schema is None:
            raise FleetDeclarationError(f"target {name!r} gives neither a url nor a schema")
        if url is not None and not isinstance(url, (str, URL)):
            raise FleetDeclarationError(f"target {name!r}: url must be a string")
        if schema is not None and not isinstance(schema, str):
            raise FleetDeclarationError(f"target {name!r}: schema must be a string")
        return FleetTarget(name, _url_text(url) if url is not None else None, schema)
    raise FleetDeclarationError(
        f"target {name!r} is a {type(value).__name__}: give a URL or {{'url': ..., 'schema': ...}}"
    )


def _url_text(url: str | URL) -> str:
    return url.render_as_string(hide_password=False) if isinstance(url, URL) else url


def _check(target: FleetTarget, default_url: URL) -> None:
    if not _NAME.match(target.name):
        raise FleetDeclarationError(
            f"the target name {target.name!r} may hold only letters, digits, '_', '.' and '-'"
        )
    url = default_url
    if target.url is not None:
        try:
            url = make_url(target.url)
        except ArgumentError as exc:
            raise FleetDeclarationError(
                f"target {target.name!r}: {mask_passwords(target.url)!r} is not a database URL"
            ) from exc
    try:
        is_async = bool(url.get_dialect().is_async)
    except Exception:  # no such dialect or driver installed: said when the target runs
        is_async = False
    if is_async:
        raise FleetDeclarationError(
            f"target {target.name!r} uses the async driver {url.get_driver_name()}: fleet "
            "runs use a synchronous driver; name one in the URL (e.g. postgresql+psycopg)"
        )
    if target.schema is not None:
        if not dialect_for(url).tenant_schemas:
            raise FleetDeclarationError(
                f"target {target.name!r} names schema {target.schema!r}, but schemas are only "
                f"for PostgreSQL and its database is {url.get_backend_name()}"
            )
        if not _SCHEMA.match(target.schema) or target.schema.lower().startswith("pg_"):
            raise FleetDeclarationError(
                f"target {target.name!r}: {target.schema!r} is not a usable schema name "
                "(letters, digits and '_', not starting with pg_)"
            )


def _place(target: FleetTarget, default_url: URL) -> str:
    url = make_url(target.url) if target.url is not None else default_url
    if dialect_for(url).database_is_a_file and url.database not in (None, "", ":memory:"):
        from pathlib import Path

        return f"sqlite:{Path(url.database).resolve()}"
    return url.set(password=None, drivername=url.get_backend_name()).render_as_string()


def pick(targets: list[FleetTarget], names: Iterable[str] | None) -> list[FleetTarget]:
    """The targets named in *names* (all when ``None``), in declaration order."""
    if names is None:
        return targets
    from .errors import FleetUsageError

    wanted = [name for name in names if name]
    if not wanted:
        raise FleetUsageError("--targets names no target: give names separated by commas.")
    known = {target.name for target in targets}
    unknown = [name for name in wanted if name not in known]
    if unknown:
        raise FleetUsageError(
            f"--targets names {', '.join(unknown)}, which REMODEL_FLEET does not declare "
            f"(it has: {', '.join(sorted(known))})."
        )
    chosen = set(wanted)
    return [target for target in targets if target.name in chosen]


def target_engine(
    target: FleetTarget, default_url: URL, app_options: Mapping[str, Any] | None = None
) -> Engine:
    """A new engine for *target*; the caller disposes of it when the target is done.

    *app_options* are the app's ``SQLALCHEMY_ENGINE_OPTIONS``: those that can
    apply to another database are applied (:mod:`.engine_options`).

    Pooled, as the app's own engine is for a single ``upgrade``: one target's
    upgrade connects many times (reading its version table, each revision's
    run, the ledger), and a new server session each time cost more than the
    migration itself on small revisions (with PyMySQL each new connection also
    builds a TLS context, about 50 ms of CPU). Reused, a target opens only the
    connections it holds at once (migration, deploy lock, MariaDB's lock-wait
    watchdog). Disposing of the engine closes them all, so nothing piles up
    while a worker moves from target to target.

    For a schema target every connection gets ``search_path`` set to the
    schema alone, once, when it is opened (see :func:`_pin_search_path`), so
    the revisions' unqualified names create and find the tenant's tables and
    nothing else's.
    """
    from .engine_options import target_engine_options

    url = make_url(target.url) if target.url is not None else default_url
    options = target_engine_options(app_options, default_url, url)
    # A schema target's search_path is set by a connect event, after the
    # driver has applied the app's connect_args: psycopg's ``options`` (other
    # session settings) stay, and only search_path is replaced by the tenant's.
    engine = sa.create_engine(url, **options)
    if target.schema is not None:
        _pin_search_path(engine, target.schema)
    return engine


def _pin_search_path(engine: Engine, schema: str) -> None:
    quoted = engine.dialect.identifier_preparer.quote_identifier(schema)

    # insert=True: before SQLAlchemy's first-connect handler reads the default
    # schema, so the dialect takes the tenant's schema as its default too. In
    # autocommit, so that the rollback a connection gets on its return to the
    # pool cannot undo the SET.
    @event.listens_for(engine, "connect", insert=True)
    def set_search_path(dbapi_connection: Any, record: Any) -> None:
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"SET SESSION search_path TO {quoted}")
        finally:
            cursor.close()
        dbapi_connection.autocommit = autocommit


def create_schema(engine: Engine, schema: str) -> bool:
    """Create *schema* if it does not exist (an upgrade starts from an empty tenant,
    as from an empty database); whether it was created."""
    # A query rather than the inspector's has_schema(), which SQLAlchemy 1.4 lacks.
    with engine.begin() as connection:
        exists = connection.execute(
            sa.text("SELECT 1 FROM pg_namespace WHERE nspname = :schema"), {"schema": schema}
        ).first()
        if exists is not None:
            return False
        quoted = engine.dialect.identifier_preparer.quote_identifier(schema)
        connection.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {quoted}"))
        return True
