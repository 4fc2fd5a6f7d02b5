"""The shared machinery itself: fresh databases, their dropping, CI failures, the app factory."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import support.databases
from support import ALL_BACKENDS
from support import AppFactory
from support import MadeApp
from support import Server
from support import add_table
from support import columns
from support import database_exists
from support import execute
from support import fresh_database
from support import insert_rows
from support import rows
from support import selected_backends
from support import table_names
from support import table_rows

SERVER_BACKENDS = [name for name in ALL_BACKENDS if name != "sqlite"]
DIALECTS = {"sqlite": "sqlite", "postgresql": "postgresql", "mariadb": "mysql"}


def users(db: Any) -> None:
    class User(db.Model):  # type: ignore[misc]
        __tablename__ = "user"
        id = db.Column(db.Integer, primary_key=True)
        username = db.Column(db.String(64), nullable=False)


# --- databases ------------------------------------------------------------------------


def test_each_test_gets_a_new_empty_database(backend: str, database_url: str) -> None:
    url = sa.engine.make_url(database_url)
    assert url.get_backend_name() == DIALECTS[backend]
    assert database_exists(backend, database_url)
    assert table_names(database_url) == []
    if backend != "sqlite":
        assert (url.database or "").startswith("remodel_")


def test_databases_are_dropped_when_the_fixture_ends(backend: str, tmp_path: Path) -> None:
    # The very context manager the database_url fixture runs, nested in this test.
    with fresh_database(backend, tmp_path, "nested") as url:
        execute(url, "CREATE TABLE t (id INTEGER PRIMARY KEY)")
        assert database_exists(backend, url)
        assert table_names(url) == ["t"]
        left_open = sa.create_engine(url)
        connection = left_open.connect()  # still open when the database is dropped
        connection.execute(sa.text("SELECT 1 FROM t"))
    assert not database_exists(backend, url)
    try:
        connection.close()
    except sa.exc.DBAPIError:
        pass  # the server ended it
    left_open.dispose()


def test_two_databases_on_one_backend_are_distinct(
    backend: str, database_url: str, make_database: Callable[..., str]
) -> None:
    second, third = make_database(), make_database()
    assert len({database_url, second, third}) == 3
    execute(second, "CREATE TABLE only_here (id INTEGER PRIMARY KEY)")
    assert table_names(second) == ["only_here"]
    assert table_names(database_url) == table_names(third) == []


@pytest.mark.parametrize("server", SERVER_BACKENDS)
@pytest.mark.parametrize("ci", ["true", None])
def test_an_unreachable_server_fails_under_ci_and_skips_elsewhere(
    server: str, ci: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without the driver installed (no PyMySQL in the minimum-versions leg) the
    # same failure comes from the missing driver: the message is checked either way.
    real = support.databases.SERVERS[server]
    bad_port = real.url.replace(":5432/", ":1/").replace(":3306/", ":1/")
    monkeypatch.setitem(
        support.databases.SERVERS,
        server,
        Server(real.backend, bad_port, real.admin_database, real.start),
    )
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    expected = pytest.fail.Exception if ci == "true" else pytest.skip.Exception
    with pytest.raises(expected) as raised:
        with fresh_database(server, tmp_path):
            pytest.fail("a database was created on a closed port")  # pragma: no cover
    message = str(raised.value)
    assert f"{server} server not usable at {bad_port}" in message
    assert real.start in message  # says how to start it
    assert ("CI=true" in message) == (ci == "true")


def test_a_missing_driver_fails_under_ci_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = support.databases.SERVERS["mariadb"]
    missing = real.url.replace("+pymysql", "+mysqldb")  # MySQLdb is not installed
    if importlib.util.find_spec("MySQLdb") is not None:
        pytest.skip("MySQLdb is installed here")
    monkeypatch.setitem(
        support.databases.SERVERS,
        "mariadb",
        Server("mariadb", missing, real.admin_database, real.start),
    )
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="driver missing"):
        with fresh_database("mariadb", tmp_path):
            pass  # pragma: no cover


def test_backends_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REMODEL_TEST_BACKENDS", raising=False)
    assert selected_backends() == ["sqlite", "postgresql", "mariadb"]
    monkeypatch.setenv("REMODEL_TEST_BACKENDS", " sqlite, postgresql ")
    assert selected_backends() == ["sqlite", "postgresql"]
    monkeypatch.setenv("REMODEL_TEST_BACKENDS", "sqlite,oracle")
    with pytest.raises(pytest.UsageError, match="oracle"):
        selected_backends()


def test_database_tests_run_on_every_selected_backend(request: pytest.FixtureRequest) -> None:
    ran = [
        item.callspec.params["backend"]
        for item in request.session.items
        if isinstance(item, pytest.Function)
        and item.originalname == "test_each_test_gets_a_new_empty_database"
    ]
    if ran:  # that test was collected in this run
        assert ran == selected_backends()


@pytest.mark.backends("sqlite")
def test_the_backends_marker_narrows_one_test(backend: str, database_url: str) -> None:
    assert backend == "sqlite" and database_url.startswith("sqlite:///")


# --- apps -----------------------------------------------------------------------------


def test_make_app_builds_an_app_in_process(make_app: AppFactory, database_url: str) -> None:
    made = make_app(users)
    assert made.app.extensions["migrate"].migrate is made.migrate
    assert made.migrate.directory == str(made.migrations_dir)
    assert made.migrations_dir.parent == Path(made.app.root_path)
    assert made.database_url == database_url

    made.ok("init")
    assert (made.migrations_dir / "env.py").is_file()
    made.ok("migrate", "-m", "Create users")
    made.ok("upgrade")
    assert table_names(database_url) == ["alembic_version", "user"]
    assert columns(database_url, "user") == ["id", "username"]
    assert "(head)" in made.ok("current").output


def test_cli_keeps_exit_codes_and_exceptions(make_app: AppFactory) -> None:
    made = make_app(users)
    result = made.cli("upgrade")  # no migrations folder yet
    assert result.exit_code != 0
    assert made.cli("no-such-command").exit_code == 2


def test_models_change_between_migrations(make_app: AppFactory, database_url: str) -> None:
    made = make_app(users)
    made.ok("init")
    made.ok("migrate", "-m", "Create users")
    made.ok("upgrade")
    insert_rows(database_url, "user", {"username": "ada"})

    made.add_column("user", sa.Column("email", sa.String(120)))
    made.add_table(
        "post",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.ForeignKey("user.id")),
    )
    made.add_table("tag", sa.Column("name", sa.String(20)))  # no primary key: a plain Table
    made.ok("migrate", "-m", "Add email, posts and tags")
    script = made.script("add_email_posts_and_tags").read_text()
    assert "add_column" in script and "'post'" in script and "'tag'" in script
    made.ok("upgrade")
    assert table_names(database_url) == ["alembic_version", "post", "tag", "user"]
    assert columns(database_url, "user") == ["id", "username", "email"]
    assert table_rows(database_url, "user", "username", "email") == [("ada", None)]

    # Anything else: a new app with other models, same database and migrations folder.
    restarted = make_app(lambda db: users(db))
    assert restarted.migrations_dir == made.migrations_dir
    restarted.ok("migrate", "-m", "Back to users only")
    restarted.ok("upgrade")
    assert table_names(database_url) == ["alembic_version", "user"]


def test_binds_get_their_own_databases(
    make_app: AppFactory, make_database: Callable[..., str], database_url: str
) -> None:
    audit = make_database("audit")

    def models(db: Any) -> None:
        users(db)
        add_table(db, "event", sa.Column("id", sa.Integer, primary_key=True), bind_key="audit")

    made = make_app(models, binds={"audit": audit})
    assert set(made.engines()) >= {None, "audit"}
    made.ok("init", "--multidb")
    made.ok("migrate", "-m", "Users and events")
    made.ok("upgrade")
    assert "user" in table_names(database_url) and "event" not in table_names(database_url)
    assert "event" in table_names(audit) and "user" not in table_names(audit)


@pytest.mark.backends("sqlite")
@pytest.mark.parametrize("enforce", [False, True])
def test_sqlite_foreign_keys_are_off_unless_asked_for(make_app: AppFactory, enforce: bool) -> None:
    made = make_app(users, sqlite_foreign_keys=enforce)
    with made.app.app_context():
        with made.db.engine.connect() as connection:
            pragma = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
    assert pragma == int(enforce)


def test_apps_are_disposed_before_their_database_is_dropped(
    make_app: AppFactory, database_url: str
) -> None:
    made: MadeApp = make_app(users)
    with made.app.app_context():
        made.db.create_all()
        made.db.session.execute(sa.text("SELECT 1"))  # a pooled connection stays open
    assert table_names(database_url) == ["user"]
    assert rows(database_url, "SELECT 1 + :n", n=1) == [(2,)]
