"""A no-op ``upgrade`` decided from the index and the version table, without Alembic.

``FastPath.at_heads`` must say "nothing to do" only when the full upgrade
would do nothing, and the command must then print exactly what the full
upgrade prints. Every doubtful case must go to the full upgrade.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

import flask_remodel
from flask_remodel.api.deploy_settings import BadOptionError
from flask_remodel.api.fast_path import open_fast_path
from support.apps import MadeApp

from .histories import draw
from .histories import write_history


def _project(make: Callable[..., MadeApp], tmp_path: Path, **kwargs: object) -> MadeApp:
    made = make(**kwargs)
    made.ok("init")
    write_history(
        made.migrations_dir / "versions", draw(12, 3, odd=False, plain=True), tmp_path / "i.txt"
    )
    return made


def _at_heads(made: MadeApp, revision: str = "head") -> bool:
    with made.app.app_context():
        fast = open_fast_path()
        return fast is not None and fast.at_heads(revision)


def _printed(output: str) -> str:
    """*output* without Alembic's log lines (the fast path never configures Alembic's logging)."""
    return "".join(
        line for line in output.splitlines(keepends=True) if not line.startswith("INFO  [alembic")
    )


def _full_upgrade(monkeypatch: pytest.MonkeyPatch, made: MadeApp, *args: str) -> str:
    with monkeypatch.context() as patched:
        patched.setattr("flask_remodel.api.fast_path.plain_folder_graph", lambda folder: None)
        return _printed(made.ok("upgrade", *args).output)


def test_only_a_database_at_every_head_needs_nothing(make_app: Callable[..., MadeApp]) -> None:
    made = make_app()
    made.ok("init")
    made.ok("revision", "-m", "first", "--rev-id", "aaa001")
    made.ok("revision", "-m", "second", "--rev-id", "bbb002")
    assert not _at_heads(made), "no version table yet"
    made.ok("upgrade")
    assert _at_heads(made) and _at_heads(made, "heads")
    for other in ("base", "+1", "bbb0", "bbb002", "aaa001"):
        assert not _at_heads(made, other), other  # only the heads are decided here
    made.ok("downgrade")
    assert not _at_heads(made), "one revision pending"
    made.ok("upgrade")
    made.ok("revision", "-m", "third", "--rev-id", "ccc003")
    assert not _at_heads(made), "a new revision in the folder"


def test_a_custom_version_table_is_the_one_read(
    make_app: Callable[..., MadeApp], tmp_path: Path
) -> None:
    made = _project(make_app, tmp_path, version_table="deploy_versions")
    made.ok("upgrade", "heads")
    assert _at_heads(made, "heads")
    with made.app.app_context():
        engine = made.db.engine
    with engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM deploy_versions"))
    assert not _at_heads(made, "heads")


@pytest.mark.backends("sqlite")
def test_two_heads_and_head_is_alembics_error(
    make_app: Callable[..., MadeApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    made = make_app()
    made.ok("init")
    made.ok("revision", "-m", "first", "--rev-id", "aaa001")
    made.ok("revision", "-m", "side", "--rev-id", "bbb001", "--head", "base", "--splice")
    made.ok("upgrade", "heads")
    assert _at_heads(made, "heads")
    assert not _at_heads(made, "head")
    result = made.cli("upgrade")
    assert result.exit_code == 5 and "heads" in result.output  # still Alembic's error


@pytest.mark.backends("sqlite")
def test_several_binds_go_through_the_full_upgrade(
    make_app: Callable[..., MadeApp], make_database: Callable[..., str], tmp_path: Path
) -> None:
    made = _project(make_app, tmp_path, binds={"other": make_database("other")})
    made.ok("upgrade", "heads")
    assert not _at_heads(made, "heads")


@pytest.mark.parametrize("output_format", ["text", "json"])
def test_the_command_prints_what_the_full_upgrade_prints(
    make_app: Callable[..., MadeApp], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    output_format: str,
) -> None:
    made = _project(make_app, tmp_path)
    made.ok("upgrade", "heads")
    expected = _full_upgrade(monkeypatch, made, "heads", "--format", output_format)

    def fail(*a: object, **kw: object) -> None:
        raise AssertionError("Alembic loaded the folder")

    monkeypatch.setattr("alembic.script.ScriptDirectory.from_config", fail)
    output = made.ok("upgrade", "heads", "--format", output_format).output
    assert "INFO  [alembic" not in output
    assert output == expected
    if output_format == "json":
        assert json.loads(output.splitlines()[-1])["steps"] == 0
    else:
        assert "Nothing to do" in output


@pytest.mark.backends("sqlite")
def test_bad_settings_fail_even_with_nothing_to_do(
    make_app: Callable[..., MadeApp], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = _project(make_app, tmp_path)
    made.ok("upgrade", "heads")
    assert _at_heads(made, "heads")
    monkeypatch.setenv("REMODEL_LOCK_WAIT", "soon")
    result = made.cli("upgrade", "heads")
    assert result.exit_code == 3 and "REMODEL_LOCK_WAIT" in result.output
    monkeypatch.delenv("REMODEL_LOCK_WAIT")
    with made.app.app_context(), pytest.raises(BadOptionError, match="phase"):
        flask_remodel.upgrade(revision="heads", phase="later")
    with made.app.app_context():
        run = flask_remodel.upgrade(revision="heads")
    assert run.deploy is not None and run.deploy.steps == [] and not run.deploy.locked
