"""The deploy lock lost under Flask-Migrate 3.1's ``aioflask`` env.py, which runs the
revisions in an event loop of its own (``asyncio.run``).

The lock's connection belongs to the bridge's loop (see
:mod:`flask_remodel.async_bridge`), so the holder's checks inside env.py's loop
go through the bridge's loop, in a thread of their own: the loss is noticed
at the next statement, as with a synchronous app, not only after the run.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from flask_remodel.deploy.errors import DeployLockLostError
from support.flask_migrate_releases import init_folder

from .conftest import Project
from .test_lock_lost import _end_session
from .test_lock_lost import _lock_session
from .test_lock_lost import _start_slow

pytestmark = [pytest.mark.backends("postgresql"), pytest.mark.needs_latest]  # asyncpg

ASYNC_APP = """
import os

import sqlalchemy as sa
from alchemical.aio import Alchemical
from flask import Flask

from flask_remodel import Migrate

app = Flask(__name__)
app.config["REMODEL_LINT"] = "off"
url = sa.engine.make_url(os.environ["REMODEL_TEST_URL"]).set(drivername="postgresql+asyncpg")
db = Alchemical(url.render_as_string(hide_password=False))
Migrate(app, db, directory=os.path.join(os.path.dirname(__file__), "migrations"))
"""


def test_holder_stops_when_its_lock_session_ends_in_an_env_py_loop(
    project: Project, tmp_path: Path
) -> None:
    (project.root / "app.py").write_text(ASYNC_APP)
    release = init_folder("3.1.0", "aioflask", tmp_path / "aioflask-3.1.0")
    assert "asyncio.run(" in (release / "env.py").read_text()
    for name in ("env.py", "alembic.ini"):
        shutil.copy(release / name, project.root / "migrations" / name)

    process = _start_slow(project)
    session = _lock_session(project.url, "postgresql")
    assert session is not None
    _end_session(project.url, "postgresql", session)
    out, err = process.communicate(timeout=60)
    # Stopped at its next statement, seconds before r2's 15 s were up.
    assert process.returncode == DeployLockLostError.exit_code, (out, err)
    assert "Lost the deploy lock during revision r2" in err, err
    assert "Traceback" not in err and "Warning" not in err, err
    assert project.log() == {"r1": 1}
    ledger = [(e["revision"], e["outcome"]) for e in project.ledger()]
    assert ledger == [("r1", "applied"), ("r2", "interrupted")]
