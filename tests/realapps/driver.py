"""The Flask app that ``flask --app driver db ...`` loads in a real app's venv.

This file runs inside the venv of the application under test (see
``harness.py``), never in the test venv: it imports only Flask, the app's
own package and the migration tool, and nothing from the test suite. The
harness picks everything through the environment:

``REALAPP``            which application (``ihatemoney``, ``fittrackee``, ``privacyidea``);
``REALAPP_TOOL``       ``flask_migrate`` or ``flask_remodel``;
``REALAPP_URL``        the database URL;
``REALAPP_MIGRATIONS`` the copy of the app's migrations folder to use.

The app is the smallest one that gives the history what it reads: the app's
own ``db`` object with its models imported (``check`` and ``flask db test``
compare against them) and the config keys its revisions use. The app's own
``create_app()`` is not called: it would start mail, rate limiting, task
queues and the like, none of which a migration touches.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

from flask import Flask


def _ihatemoney(app: Flask) -> Any:
    # ihatemoney.models configures the SQLAlchemy-Continuum versioning on import,
    # which declares the *_version and transaction tables the history creates.
    from ihatemoney.models import db

    return db


def _fittrackee(app: Flask) -> Any:
    # Revision 4e8597c50064 renames the upload folders on disk.
    app.config["UPLOAD_FOLDER"] = os.environ.get("REALAPP_UPLOADS", os.getcwd())
    from fittrackee import db

    # Each module declares its tables on fittrackee.db; the app imports them from its views.
    for part in ("application", "equipments", "oauth2", "users", "workouts"):
        importlib.import_module(f"fittrackee.{part}.models")
    return db


def _privacyidea(app: Flask) -> Any:
    # Revisions import privacyidea.lib, whose module-level gettext needs Flask-Babel.
    from flask_babel import Babel

    Babel(app)
    from privacyidea.models import db

    return db


_APPS = {"ihatemoney": _ihatemoney, "fittrackee": _fittrackee, "privacyidea": _privacyidea}


def create_app() -> Flask:
    tool = os.environ["REALAPP_TOOL"]
    if tool == "flask_remodel":
        from flask_remodel import Migrate
    elif tool == "flask_migrate":
        from flask_migrate import Migrate
    else:
        raise ValueError(f"REALAPP_TOOL={tool!r}: expected flask_migrate or flask_remodel")
    app = Flask("realapp")
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["REALAPP_URL"]
    app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = False
    db = _APPS[os.environ["REALAPP"]](app)
    db.init_app(app)
    Migrate(app, db, directory=os.environ["REALAPP_MIGRATIONS"])
    return app


app = create_app()
