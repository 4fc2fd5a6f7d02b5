"""flask_remodel.failures: the reason and the revision line of a failure, without a database."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from flask_remodel.failures import failed_at
from flask_remodel.failures import failure_reason


def test_a_bare_message_gets_its_type() -> None:
    assert failure_reason(sa.exc.NoSuchTableError("columns")) == "NoSuchTableError: columns"
    assert failure_reason(AssertionError()) == "AssertionError"


def test_a_database_error_is_the_servers_own_message() -> None:
    error = sa.exc.OperationalError("SELECT 1", {}, Exception("no such table: t"))
    assert failure_reason(error) == "no such table: t"


def test_passwords_and_addresses_are_left_out() -> None:
    error = sa.exc.ArgumentError(
        "cannot use postgresql://app:s3cret@db/x for <sqlalchemy.sql.base.Thing object at 0x7f00>"
    )
    reason = failure_reason(error)
    assert "s3cret" not in reason and "0x7f00" not in reason
    assert reason.startswith("ArgumentError: cannot use postgresql://app:***@db/x for <Thing>")


OPERATIONS = """\
import sqlalchemy as sa


class Op:
    def drop_constraint(self, *args, **kw):
        sa.Table("t", sa.MetaData()).c["missing"]  # raises inside SQLAlchemy


op = Op()
"""

REVISION = """\
from stand_in_operations import op


def upgrade():
    op.drop_constraint(
        None, "child", type_="foreignkey"
    )


def own_error():
    return 1 / 0
"""


def _revision(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Any]:
    """A revision file whose ``op`` (in another module) fails inside SQLAlchemy."""
    (tmp_path / "stand_in_operations.py").write_text(OPERATIONS)
    monkeypatch.syspath_prepend(str(tmp_path))
    path = tmp_path / "abc123_x.py"
    return path, _loaded(path, REVISION)


def _loaded(path: Path, source: str) -> Any:
    """*source*, written to *path*, imported as a module of that file's name."""
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_revision_line_and_a_hint_come_from_the_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, module = _revision(tmp_path, monkeypatch)
    with pytest.raises(KeyError) as caught:
        module.upgrade()
    site = failed_at(caught.value, {str(path): "abc123"})
    assert site is not None
    assert site.revision == "abc123"
    assert site.statement == "op.drop_constraint(None, 'child', type_='foreignkey')"
    assert site.operation == f"{site.statement} on line {site.line}"
    assert site.in_library  # raised in SQLAlchemy, below the revision
    assert "get_foreign_keys('child')" in site.hint


def test_an_error_of_the_revisions_own_code_is_not_the_librarys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, module = _revision(tmp_path, monkeypatch)
    with pytest.raises(ZeroDivisionError) as caught:
        module.own_error()
    site = failed_at(caught.value, {str(path): "abc123"})
    assert site is not None and not site.in_library and site.hint == ""
    assert failed_at(caught.value, {str(tmp_path / "other.py"): "zzz999"}) is None


COMMITTING_REVISION = """\
class Op:
    def backfill(self):
        pass


op = Op()


def helper():
    1 / 0


def upgrade():
    op.backfill()
    helper()


def downgrade():
    1 / 0
"""


@pytest.mark.parametrize(
    ("entry", "commits_before"),
    [("upgrade", True), ("downgrade", False)],
    ids=["upgrade-after-its-backfill", "downgrade-of-a-revision-whose-upgrade-backfills"],
)
def test_only_the_failing_functions_own_committing_steps_count(
    tmp_path: Path, entry: str, commits_before: bool
) -> None:
    # downgrade() comes after upgrade()'s backfill in the file, and upgrade() fails in a
    # helper defined above it: the line numbers of the file alone would get both wrong.
    path = tmp_path / "abc123_commits.py"
    module = _loaded(path, COMMITTING_REVISION)
    with pytest.raises(ZeroDivisionError) as caught:
        getattr(module, entry)()
    site = failed_at(caught.value, {str(path): "abc123"})
    assert site is not None and site.revision == "abc123"
    assert site.commits_before is commits_before
