"""The registry: what ``dialect_for`` finds, and what an unknown database gets (no server)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from flask_remodel.deploy.errors import BackupError
from flask_remodel.dialects import DialectSupport
from flask_remodel.dialects import MySQLSupport
from flask_remodel.dialects import NoLock
from flask_remodel.dialects import PostgreSQLSupport
from flask_remodel.dialects import SQLiteSupport
from flask_remodel.dialects import dialect_for
from flask_remodel.dialects import registered_dialects
from flask_remodel.dialects import registered_supports
from flask_remodel.online.policy import LockPolicy


def test_names_urls_engines_and_connections_find_their_module(tmp_path: Path) -> None:
    assert isinstance(dialect_for("postgresql"), PostgreSQLSupport)
    assert isinstance(dialect_for("postgresql+psycopg"), PostgreSQLSupport)
    assert isinstance(dialect_for("postgresql://app@db/app"), PostgreSQLSupport)
    assert isinstance(dialect_for(sa.engine.make_url("mysql+pymysql://root@h/db")), MySQLSupport)
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        assert isinstance(dialect_for(engine), SQLiteSupport)
        assert isinstance(dialect_for(engine.dialect), SQLiteSupport)
        with engine.connect() as connection:
            assert dialect_for(connection) is dialect_for("sqlite")
    finally:
        engine.dispose()


def test_mariadb_and_mysql_share_one_module() -> None:
    assert dialect_for("mariadb") is dialect_for("mysql")
    assert dialect_for("mariadb+pymysql://root@h/db").family == "mysql"
    assert len(registered_supports()) == 3
    assert registered_dialects() == ("postgresql", "mysql", "mariadb", "sqlite")
    for support in registered_supports():
        assert all(dialect_for(name) is support for name in support.names)
        assert support.name == support.names[0] and support.label and support.family


def test_an_unknown_database_gets_the_safe_defaults(tmp_path: Path) -> None:
    support = dialect_for("mssql+pyodbc")
    assert type(support) is DialectSupport
    assert (support.name, support.family, support.label, support.names) == (
        "mssql", "mssql", "mssql", ("mssql",)
    )
    assert dialect_for("mssql") is support  # one instance per unknown name
    assert not support.linted and not support.transactional_ddl
    assert not support.supports_lock_timeouts
    assert support.session_settings(LockPolicy()) == [] and support.reset_settings() == []
    with pytest.raises(NotImplementedError):
        support.lock_timeout_setting(50)
    assert not support.has_migration_session and dict(support.migration_session_options) == {}
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'x.db'}")  # any engine will do
    try:
        with support.open_deploy_lock(engine) as lock:
            assert isinstance(lock, NoLock) and lock.try_acquire() and lock.details() is None
        with pytest.raises(BackupError, match="does not know how to back up a mssql database"):
            support.backup(engine, tmp_path / "backup")
    finally:
        engine.dispose()
    assert not (tmp_path / "backup").exists()


def test_something_without_a_dialect_is_refused() -> None:
    with pytest.raises(TypeError, match="cannot tell the database"):
        dialect_for(42)


def test_capabilities_of_the_three_databases() -> None:
    pg, my, lite = dialect_for("postgresql"), dialect_for("mysql"), dialect_for("sqlite")
    assert (pg.transactional_ddl, my.transactional_ddl, lite.transactional_ddl) == (
        True, False, True
    )
    assert (pg.online_operations, my.online_operations, lite.online_operations) == (
        True, True, False
    )
    assert pg.not_valid_constraints and not my.not_valid_constraints
    assert pg.named_enum_types and not my.named_enum_types and not lite.named_enum_types
    assert my.indexes_foreign_keys and not pg.indexes_foreign_keys
    assert lite.alters_by_rebuild and not pg.alters_by_rebuild and not my.alters_by_rebuild
    assert lite.has_migration_session and dict(lite.migration_session_options) == {
        "transactional_ddl": True
    }
    # MariaDB counts whole seconds, rounded up; the watchdog does the rest.
    assert my.lock_timeout_setting(50).endswith("innodb_lock_wait_timeout = 1")
    assert my.needs_watchdog(50) and not my.needs_watchdog(2000) and not pg.needs_watchdog(50)
    assert pg.lock_timeout_setting(50) == "SET lock_timeout = 50"


def test_the_dialects_package_imports_neither_flask_nor_alembic() -> None:
    # flask_remodel/__init__.py imports the extension (and Flask); load the
    # package shell without it, block Flask, and import the registry.
    package = Path(__file__).parents[2] / "src" / "flask_remodel"
    code = (
        "import sys, types\n"
        f"shell = types.ModuleType('flask_remodel'); shell.__path__ = [{str(package)!r}]\n"
        "sys.modules['flask_remodel'] = shell; sys.modules['flask'] = None\n"
        "from flask_remodel.dialects import dialect_for\n"
        "print(dialect_for('mariadb').label, 'alembic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["MySQL/MariaDB", "False"]
